"""The counting engine: majority, approval, instant-runoff, STV (Scottish, Meek), Schulze.

Every method takes a `Profile` and returns a `Result`; pure NumPy, no Django.
"""
