## Benchmarks: `make bench` runs them (never part of make check).

bench: yujing$(EXEEXT)
	$(builddir)/yujing bench import
.PHONY: bench
