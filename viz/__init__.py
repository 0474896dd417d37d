"""viz: computation graphs as Graphviz SVG, and loss-landscape plots."""
