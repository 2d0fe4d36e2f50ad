## Benchmarks: `make bench` runs them (never part of make check).

bench: yujing$(EXEEXT)
	$(builddir)/yujing bench import
	YUJING_BENCH_DIR=$(abs_top_srcdir)/bench $(builddir)/yujing bench profile
	$(builddir)/yujing bench clean
.PHONY: bench
