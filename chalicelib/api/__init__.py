"""HTTP layer: one blueprint per capability. A route reads the caller, validates, calls its
capability's service and returns what it renders."""
