"""Support code for bench/run: the side-by-side benchmark of our daemon against supervisord 4.3.0."""
