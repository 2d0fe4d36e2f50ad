/*
 * table.h - a source table loaded into memory, dictionary-encoded.
 *
 * Each column keeps one code per row into a dictionary of its distinct raw
 * values (exact text; entry 0 is SQL NULL).  Null-ness, the numeric value
 * and the character length are properties of a dictionary entry, computed
 * once, so profiling and cleaning touch each row only through small
 * integers: fast enough for the TUI to re-run a cleaning preview on every
 * key press.
 */
#ifndef YUJING_DATA_TABLE_H
#define YUJING_DATA_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/data/infer.h"
#include "yujing/store/sources.h"

typedef struct yj_column {
	const char *name; /* points into the table's source info */
	yj_ftype type;
	yj_role role;
	uint32_t *code;   /* (nrows) dictionary code of each row's value */
	/* dictionary, ndict entries; entry 0 is SQL NULL */
	size_t ndict, dict_cap;
	char **value;     /* NUL-terminated text (NULL for entry 0) */
	uint32_t *len;    /* bytes */
	int64_t *count;   /* rows holding the entry */
	unsigned char *is_null; /* SQL NULL, blank, or a null marker */
	double *num;      /* numeric value (integer/real: parsed; datetime:
			   * seconds since 1970), NaN when null or unparsable */
	uint32_t *chars;  /* length in code points */
	/* private: hash index over the dictionary, and the blocks the value
	 * texts live in (never moved, freed with the table) */
	uint64_t *slots; /* (hash >> 32) << 32 | code; UINT64_MAX empty */
	size_t nslots;
	char **blocks;
	size_t nblocks, block_used, block_size;
} yj_column;

typedef struct yj_table {
	yj_source_info info; /* the source's catalogue entry */
	size_t nrows, ncols;
	int64_t *row;        /* (nrows) row id in the data table */
	int64_t *line;       /* (nrows) line in the imported file */
	yj_column *cols;     /* (ncols) in field order */
	long key_col, label_col; /* -1 when absent */
} yj_table;

/* Load source `name` of project p.  Nulls are judged with ns.  progress
 * may be NULL; the load can be cancelled through it. */
yj_status table_load(yj_project *p, const char *name, const yj_nullset *ns, yj_progress *progress,
		     yj_table *out, yj_error *err);

void table_free(yj_table *t);

/* Read new case data for source `name` from path with the readers
 * (format from the extension, else the source's; the source's encoding)
 * into a table of the source's fields and stored types; row ids are
 * 1, 2, ... and line the file's line.  A field of the source that the
 * file lacks stays null, unless it is the key or named in needed:
 * YJ_EDATA naming the file and field.  A value that does not parse as its
 * field's type, or an empty key: YJ_EDATA with file, line and field (the
 * import would have refused it too).  Extra fields are ignored.  path NULL: the
 * source's fields and no rows. */
yj_status table_from_file(yj_project *p, const char *name, const char *path, const yj_nullset *ns,
			  const char *const *needed, size_t nneeded, yj_table *out, yj_error *err);

/* Is the value of column c in row r null? */
static inline int table_is_null(const yj_table *t, size_t c, size_t r)
{
	const yj_column *col = &t->cols[c];
	return col->is_null[col->code[r]];
}

/* Text of column c in row r ("" for SQL NULL). */
static inline const char *table_text(const yj_table *t, size_t c, size_t r)
{
	const char *s = t->cols[c].value[t->cols[c].code[r]];
	return s ? s : "";
}

/* Column index of a field name, -1 if none. */
long table_col(const yj_table *t, const char *name);

/* Is the column's type numeric (integer or real)? */
int ftype_is_numeric(yj_ftype t);

/* Load the project's null markers. */
yj_status table_nullset(yj_project *p, yj_nullset *ns, yj_error *err);

#endif
