"""The Thing+ HTTP surface, one module per vendor resource."""
