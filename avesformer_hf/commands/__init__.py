"""Subcommands of the `avesformer` CLI."""
