"""The corpus: sources, findings, stances and topics, with their schemas and checks."""
