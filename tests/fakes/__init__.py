"""Loopback fakes of the services the auditors call (Hugging Face Hub, GitHub)."""
