"""Engines for the portfolio analytics (``portfolio/analytics``): an ibis backend on DuckDB or Spark, and the
simulation's Parquet files read through it."""
