"""The symbp command: the entry point (main) and one module per subcommand (check, prove, mutate, train).

Imports anything below it; nothing imports it.
"""
