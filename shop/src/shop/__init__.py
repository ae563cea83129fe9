"""The shop data layer: the system Parity verifies (users, categories, products, carts, orders)."""
