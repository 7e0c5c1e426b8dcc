"""The pure domain of a council: acts, charter, rules, state, and the book's hashing.

Nothing here imports Django, reads a clock, draws randomness or does I/O: times and
seeds are arguments.
"""
