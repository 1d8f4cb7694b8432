"""Queries, scoped to what the actor may see. Routes never query tables directly."""
