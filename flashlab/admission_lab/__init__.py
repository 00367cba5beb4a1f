"""The admission-control lab pages (roadmap phases 3 and 7): bursts and abuse, with and without it."""
