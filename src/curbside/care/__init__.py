"""Care routing: the clinic's directory (physicians, hours, departments), free slots and safe booking."""
