## Tests: C unit tests print TAP; CLI tests are shell scripts printing TAP.
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	YUJING='$(abs_top_builddir)/yujing'; export YUJING; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	FIXTURES='$(abs_top_srcdir)/tests/fixtures'; export FIXTURES; \
	SQLITE3='$(SQLITE3_CLI)'; export SQLITE3; \
	LANGUAGE=; export LANGUAGE; LC_ALL=C.UTF-8; export LC_ALL; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS;

EXTRA_DIST += tests/unit/tap.h tests/cli/lib.sh
EXTRA_DIST += $(wildcard $(srcdir)/tests/fixtures/*)

UNIT_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/tests/unit

check_PROGRAMS += tests/unit/test-base
tests_unit_test_base_SOURCES = tests/unit/test-base.c
tests_unit_test_base_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_base_LDADD = src/base/libbase.a

check_PROGRAMS += tests/unit/test-project
tests_unit_test_project_SOURCES = tests/unit/test-project.c
tests_unit_test_project_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_project_LDADD = $(STORE_LIBS)

check_PROGRAMS += tests/unit/test-reader
tests_unit_test_reader_SOURCES = tests/unit/test-reader.c
tests_unit_test_reader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reader_LDADD = $(DATA_LIBS)

check_PROGRAMS += tests/unit/test-import
tests_unit_test_import_SOURCES = tests/unit/test-import.c
tests_unit_test_import_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_import_LDADD = $(DATA_LIBS)

TESTS += $(check_PROGRAMS)
TESTS += \
	tests/cli/basics.sh \
	tests/cli/init.sh \
	tests/cli/import.sh
EXTRA_DIST += \
	tests/cli/basics.sh \
	tests/cli/init.sh \
	tests/cli/import.sh
