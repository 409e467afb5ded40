"""The stores behind one interface: embedded pyoxigraph, a remote engine, a dist (no Flask)."""
