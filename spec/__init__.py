"""The normative specification: register map, rules and the conformance kit."""
