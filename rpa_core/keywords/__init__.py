"""Robot Framework libraries and adapters: rpaframework's WorkItems over our queue (more in later issues)."""
