"""HTTP layer: one blueprint per capability. A route parses, validates, calls one service."""
