"""The stack's components, one module per concern; stack.py wires them together."""
