/*
 * reader.c - streaming CSV (RFC 4180), TSV and JSON-lines readers.
 *
 * Layers, bottom up:
 *   input   read(2) into a buffer; convert with iconv when the encoding is
 *           not UTF-8; validate UTF-8; strip a leading BOM.  Invalid input is
 *           not an immediate error: the valid prefix is parsed first, so the
 *           error can name the line the bad byte is on.
 *   parser  a delimited-text state machine (CSV with quoting, TSV without)
 *           or a JSON-lines splitter on top of jansson.
 * Field contents are copied into one record buffer; cells point into it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/base/utf8.h"
#include "yujing/data/reader.h"

#define CHUNK (1u << 20) /* bytes read per read(2) */

struct yj_reader {
	/* input */
	char *path;       /* for messages */
	int fd;
	int own_fd;
	long long size;   /* file size, -1 unknown */
	long long nread;  /* raw bytes read from fd */
	int eof;          /* fd reached end of file */
	iconv_t cd;       /* (iconv_t)-1 for UTF-8 input */
	char *raw;        /* iconv input not yet converted */
	size_t raw_len;
	long long raw_off; /* file offset of raw[0] */
	char *buf;        /* decoded UTF-8 */
	size_t cap, len;  /* allocated, filled */
	size_t pos;       /* parse position */
	size_t valid;     /* [0, valid) is validated; valid <= len */
	long long buf_off; /* file offset of buf[0] (UTF-8 input only) */
	int bad;          /* invalid input follows buf[valid] */
	long long bad_off; /* its file offset */
	int bad_encoding; /* 1: not valid in the declared encoding (iconv) */
	int started;      /* BOM check done */
	volatile sig_atomic_t *cancel;
	long rec_line;    /* the line the record being read starts on */

	/* parser */
	yj_format format;
	long line;        /* current physical line (1-based) */
	strbuf rec;       /* field bytes, each NUL-terminated */
	size_t *offs;     /* start of each field in rec */
	unsigned char *nulls;
	size_t nf, nf_cap; /* fields in the current record */
	yj_cell *cells;
	size_t cells_cap;

	/* header (CSV/TSV) or discovered keys (JSONL) */
	char **names;
	size_t nnames, names_cap;
	/* open-addressing map name -> index + 1 (JSONL) */
	size_t *map;
	size_t map_cap;
	strbuf jline;     /* the current JSON line */
};

int reader_format_parse(const char *name)
{
	if (!strcasecmp(name, "csv"))
		return FORMAT_CSV;
	if (!strcasecmp(name, "tsv") || !strcasecmp(name, "tab"))
		return FORMAT_TSV;
	if (!strcasecmp(name, "jsonl") || !strcasecmp(name, "ndjson") || !strcasecmp(name, "json"))
		return FORMAT_JSONL;
	return -1;
}

const char *reader_format_name(yj_format f)
{
	switch (f) {
	case FORMAT_CSV:
		return "csv";
	case FORMAT_TSV:
		return "tsv";
	case FORMAT_JSONL:
		return "jsonl";
	default:
		return "auto";
	}
}

static yj_format format_from_name(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot) {
		int f = reader_format_parse(dot + 1);
		if (f > 0)
			return (yj_format)f;
	}
	return FORMAT_CSV;
}

/* File offset of buf[p], or -1 when the input is converted (offsets in
 * the converted text would mislead). */
static long long file_off(const yj_reader *r, size_t p)
{
	return r->cd == (iconv_t)-1 ? r->buf_off + (long long)p : -1;
}

static yj_status oom(yj_reader *r, yj_error *err)
{
	error_set(err, YJ_ENOMEM, _("out of memory"));
	error_at(err, r->path, r->line, -1, NULL);
	return YJ_ENOMEM;
}

/* ------------------------------------------------------------------ input */

/* read(2) into dst, honouring the cancel flag.  Returns bytes, 0 at end of
 * file, -1 on error (err filled). */
static ssize_t read_some(yj_reader *r, char *dst, size_t n, yj_error *err)
{
	for (;;) {
		ssize_t k = read(r->fd, dst, n);
		if (k >= 0) {
			r->nread += k;
			return k;
		}
		if (errno == EINTR) {
			if (r->cancel && *r->cancel) {
				error_set(err, YJ_EINTR, _("interrupted"));
				error_at(err, r->path, r->line, -1, NULL);
				return -1;
			}
			continue;
		}
		error_set(err, YJ_EIO, _("read failed: %s"), strerror(errno));
		error_at(err, r->path, r->line, -1, NULL);
		return -1;
	}
}

/* Drop consumed bytes and make room for at least CHUNK more. */
static int compact(yj_reader *r)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->valid -= r->pos;
		r->buf_off += (long long)r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < CHUNK) {
		size_t cap = r->cap ? r->cap : CHUNK;
		while (cap - r->len < CHUNK)
			cap *= 2;
		char *b = realloc(r->buf, cap + 1);
		if (!b)
			return -1;
		r->buf = b;
		r->cap = cap;
	}
	return 0;
}

static void strip_bom(yj_reader *r)
{
	if (r->started || r->valid - r->pos < 3)
		return;
	r->started = 1;
	if ((unsigned char)r->buf[r->pos] == 0xEF && (unsigned char)r->buf[r->pos + 1] == 0xBB &&
	    (unsigned char)r->buf[r->pos + 2] == 0xBF)
		r->pos += 3;
}

/* Read and convert more input.  Returns 1 when more valid bytes are
 * available, 0 at the end of input, -1 on an error (including invalid
 * bytes right at the parse position). */
static int fill(yj_reader *r, yj_error *err)
{
	for (;;) {
		if (r->pos < r->valid)
			return 1;
		/* Here once per buffer (at most CHUNK bytes): an endless line
		 * (/dev/zero, a stream without newlines) neither grows without
		 * bound nor ignores Ctrl-C, which sets the flag between reads. */
		if (r->cancel && *r->cancel) {
			error_set(err, YJ_EINTR, _("interrupted"));
			error_at(err, r->path, r->line, -1, NULL);
			return -1;
		}
		if ((r->format == FORMAT_JSONL ? r->jline.len : r->rec.len) > READER_MAX_RECORD) {
			error_set(err, YJ_EDATA, _("the record is longer than %d MiB"), READER_MAX_RECORD >> 20);
			error_at(err, r->path, r->rec_line, -1, NULL);
			error_hint(err, _("is this a file of lines? check --format; in CSV, a quote that is "
					  "never closed makes the rest of the file one field"));
			return -1;
		}
		if (r->bad) {
			if (r->bad_encoding)
				error_set(err, YJ_EDATA, _("invalid byte sequence for the declared encoding"));
			else
				error_set(err, YJ_EDATA, _("invalid UTF-8"));
			error_at(err, r->path, r->line, r->bad_off, NULL);
			error_hint(err, r->bad_encoding
						? _("check the --encoding option against the file")
						: _("if the file is GB18030 or GBK, say so with --encoding gb18030"));
			return -1;
		}
		if (r->eof && r->len == r->valid && r->raw_len == 0)
			return 0;
		if (compact(r))
			return oom(r, err), -1;

		if (r->cd == (iconv_t)-1) {
			/* UTF-8: read straight into the buffer, then validate. */
			if (!r->eof) {
				ssize_t k = read_some(r, r->buf + r->len, r->cap - r->len, err);
				if (k < 0)
					return -1;
				if (k == 0)
					r->eof = 1;
				r->len += (size_t)k;
			}
			size_t partial = 0;
			size_t ok = utf8_valid_prefix((unsigned char *)r->buf + r->valid, r->len - r->valid,
						      r->eof ? NULL : &partial);
			if (r->valid + ok + partial < r->len || (r->eof && r->valid + ok < r->len)) {
				r->bad = 1;
				r->bad_off = r->buf_off + (long long)(r->valid + ok);
			}
			r->valid += ok;
			if (r->eof && !r->bad && r->valid == r->len)
				r->raw_len = 0;
		} else {
			/* Other encodings: read raw, convert into the buffer. */
			if (!r->eof && r->raw_len < CHUNK) {
				ssize_t k = read_some(r, r->raw + r->raw_len, CHUNK - r->raw_len, err);
				if (k < 0)
					return -1;
				if (k == 0)
					r->eof = 1;
				r->raw_len += (size_t)k;
			}
			char *in = r->raw, *out = r->buf + r->len;
			size_t inleft = r->raw_len, outleft = r->cap - r->len;
			size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
			int e = errno;
			size_t used = r->raw_len - inleft;
			r->len = (size_t)(out - r->buf);
			r->valid = r->len;
			if (rc == (size_t)-1 && (e == EILSEQ || (e == EINVAL && r->eof))) {
				r->bad = 1;
				r->bad_encoding = 1;
				r->bad_off = r->raw_off + (long long)used;
			}
			memmove(r->raw, r->raw + used, inleft);
			r->raw_len = inleft;
			r->raw_off += (long long)used;
			if (r->bad)
				r->raw_len = 0;
		}
		strip_bom(r);
		if (r->eof && r->valid == r->len && !r->bad && r->pos >= r->valid && r->raw_len == 0)
			return 0;
	}
}

/* ----------------------------------------------------------------- record */

static int rec_begin_field(yj_reader *r)
{
	if (r->nf == r->nf_cap) {
		size_t cap = r->nf_cap ? r->nf_cap * 2 : 32;
		size_t *o = realloc(r->offs, cap * sizeof *o);
		if (!o)
			return -1;
		r->offs = o;
		unsigned char *n = realloc(r->nulls, cap);
		if (!n)
			return -1;
		r->nulls = n;
		r->nf_cap = cap;
	}
	r->offs[r->nf] = r->rec.len;
	r->nulls[r->nf] = 0;
	r->nf++;
	return 0;
}

static int rec_end_field(yj_reader *r)
{
	return strbuf_addc(&r->rec, '\0');
}

static void rec_reset(yj_reader *r)
{
	strbuf_reset(&r->rec);
	r->nf = 0;
}

/* Build the cell array for n fields from the record buffer. */
static int rec_cells(yj_reader *r, size_t n)
{
	if (n > r->cells_cap) {
		yj_cell *c = realloc(r->cells, n * sizeof *c);
		if (!c)
			return -1;
		r->cells = c;
		r->cells_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		if (i < r->nf && !r->nulls[i]) {
			r->cells[i].s = r->rec.buf + r->offs[i];
			r->cells[i].len = strlen(r->cells[i].s);
			r->cells[i].is_null = 0;
		} else {
			r->cells[i].s = "";
			r->cells[i].len = 0;
			r->cells[i].is_null = 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------ delimited (CSV/TSV) */

enum { F_START, F_UNQUOTED, F_QUOTED, F_AFTER_QUOTE };

static const char *field_label(yj_reader *r, size_t i, char *tmp, size_t n)
{
	if (i < r->nnames)
		return r->names[i];
	snprintf(tmp, n, _("#%zu"), i + 1);
	return tmp;
}

/* A NUL byte cannot be stored in a text value: refuse it rather than cut
 * the value short. */
static int nul_byte(yj_reader *r, size_t q, yj_error *err)
{
	char tmp[32];
	error_set(err, YJ_EDATA, _("a NUL byte in the data"));
	error_at(err, r->path, r->line, file_off(r, q), r->nf ? field_label(r, r->nf - 1, tmp, sizeof tmp) : NULL);
	error_hint(err, _("is this really a text file? check --format and --encoding"));
	return -1;
}

/* Read one delimited record into r->rec.  Returns 1, 0 at EOF, -1 error.
 * *start_line is the line the record starts on; *blank is set for an empty
 * line. */
static int delim_record(yj_reader *r, long *start_line, int *blank, yj_error *err)
{
	const char delim = r->format == FORMAT_TSV ? '\t' : ',';
	const int quoting = r->format == FORMAT_CSV;
	int state = F_START;
	long quote_line = 0;
	long long quote_off = 0;
	rec_reset(r);
	*start_line = r->rec_line = r->line;
	*blank = 0;
	int any = 0; /* consumed anything of this record */
	int cr = 0;  /* inside quotes, the byte before was a CR */

	for (;;) {
		if (r->pos >= r->valid) {
			int f = fill(r, err);
			if (f < 0)
				return -1;
			if (f == 0) {
				if (state == F_QUOTED) {
					error_set(err, YJ_EDATA,
						  _("unterminated quoted field: the quote opened on line %ld is never closed"),
						  quote_line);
					char tmp[32];
					error_at(err, r->path, quote_line, quote_off,
						 field_label(r, r->nf - 1, tmp, sizeof tmp));
					error_hint(err, _("a double quote inside a quoted field is written as two (\"\")"));
					return -1;
				}
				if (!any)
					return 0;
				if (state != F_START || r->nf > 0) {
					if (state == F_START && rec_begin_field(r))
						return oom(r, err), -1;
					if (rec_end_field(r))
						return oom(r, err), -1;
				}
				return 1;
			}
		}
		char *b = r->buf;
		size_t p = r->pos, end = r->valid;
		char c = b[p];
		any = 1;
		switch (state) {
		case F_START:
			if (rec_begin_field(r))
				return oom(r, err), -1;
			if (quoting && c == '"') {
				state = F_QUOTED;
				quote_line = r->line;
				quote_off = file_off(r, p);
				r->pos = p + 1;
			} else {
				state = F_UNQUOTED;
			}
			break;
		case F_UNQUOTED: {
			size_t q = p;
			while (q < end && b[q] != delim && b[q] != '\n' && b[q] != '\r' &&
			       !(quoting && b[q] == '"') && b[q] != '\0')
				q++;
			if (q < end && b[q] == '\0')
				return nul_byte(r, q, err);
			if (q > p && strbuf_add(&r->rec, b + p, q - p))
				return oom(r, err), -1;
			r->pos = q;
			if (q == end)
				break;
			c = b[q];
			if (c == delim) {
				if (rec_end_field(r))
					return oom(r, err), -1;
				r->pos = q + 1;
				state = F_START;
			} else if (c == '"') {
				char tmp[32];
				error_set(err, YJ_EDATA, _("a double quote inside an unquoted field"));
				error_at(err, r->path, r->line, file_off(r, q),
					 field_label(r, r->nf - 1, tmp, sizeof tmp));
				error_hint(err, _("quote the whole field and double the quote: \"a \"\"b\"\" c\""));
				return -1;
			} else {
				/* \n, or \r (alone or followed by \n): end of record. */
				if (rec_end_field(r))
					return oom(r, err), -1;
				*blank = (r->nf == 1 && r->rec.len == 1);
				r->pos = q + 1;
				if (c == '\r') {
					/* Peek for the \n of a CRLF; a problem after it
					 * is reported with the next record. */
					if (r->pos >= r->valid && fill(r, err) < 0)
						error_clear(err);
					if (r->pos < r->valid && r->buf[r->pos] == '\n')
						r->pos++;
				}
				r->line++;
				return 1;
			}
			break;
		}
		case F_QUOTED: {
			size_t q = p;
			long nl = 0;
			while (q < end && b[q] != '"') {
				if (b[q] == '\0') {
					r->line += nl;
					return nul_byte(r, q, err);
				}
				/* Lines end at LF, CRLF or a lone CR, as outside
				 * quotes (the LF of a CRLF was counted at the CR). */
				nl += b[q] == '\r' || (b[q] == '\n' && !cr);
				cr = b[q] == '\r';
				q++;
			}
			if (q > p && strbuf_add(&r->rec, b + p, q - p))
				return oom(r, err), -1;
			r->line += nl;
			r->pos = q;
			if (q < end) {
				r->pos = q + 1;
				cr = 0;
				state = F_AFTER_QUOTE;
			}
			break;
		}
		case F_AFTER_QUOTE:
			if (c == '"') {
				if (strbuf_addc(&r->rec, '"'))
					return oom(r, err), -1;
				r->pos = p + 1;
				state = F_QUOTED;
			} else if (c == delim) {
				if (rec_end_field(r))
					return oom(r, err), -1;
				r->pos = p + 1;
				state = F_START;
			} else if (c == '\n' || c == '\r') {
				state = F_UNQUOTED; /* handles the line end */
			} else {
				char tmp[32];
				error_set(err, YJ_EDATA, _("unexpected character after a closing quote"));
				error_at(err, r->path, r->line, file_off(r, p),
					 field_label(r, r->nf - 1, tmp, sizeof tmp));
				error_hint(err, _("a double quote inside a quoted field is written as two (\"\")"));
				return -1;
			}
			break;
		}
	}
}

static int add_name(yj_reader *r, const char *name, size_t len)
{
	if (r->nnames == r->names_cap) {
		size_t cap = r->names_cap ? r->names_cap * 2 : 16;
		char **n = realloc(r->names, cap * sizeof *n);
		if (!n)
			return -1;
		r->names = n;
		r->names_cap = cap;
	}
	char *s = malloc(len + 1);
	if (!s)
		return -1;
	memcpy(s, name, len);
	s[len] = '\0';
	r->names[r->nnames++] = s;
	return 0;
}

static yj_status read_header(yj_reader *r, yj_error *err)
{
	long line;
	int blank, k;
	do {
		k = delim_record(r, &line, &blank, err);
	} while (k == 1 && blank);
	if (k < 0)
		return err->status;
	if (k == 0) {
		error_set(err, YJ_EDATA, _("the file is empty: expected a header line naming the fields"));
		error_at(err, r->path, r->line, -1, NULL);
		return YJ_EDATA;
	}
	if (r->nf > READER_MAX_FIELDS) {
		error_set(err, YJ_EDATA, _("the header names %zu fields; at most %d are supported"), r->nf,
			  READER_MAX_FIELDS);
		error_at(err, r->path, line, -1, NULL);
		return YJ_EDATA;
	}
	for (size_t i = 0; i < r->nf; i++) {
		const char *s = r->rec.buf + r->offs[i];
		/* Names are trimmed of surrounding blanks. */
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0) {
			error_set(err, YJ_EDATA, _("field %zu of the header has no name"), i + 1);
			error_at(err, r->path, line, -1, NULL);
			return YJ_EDATA;
		}
		for (size_t j = 0; j < r->nnames; j++) {
			if (strlen(r->names[j]) == n && !strncmp(r->names[j], s, n)) {
				error_set(err, YJ_EDATA, _("the header names this field twice (fields %zu and %zu)"),
					  j + 1, i + 1);
				error_at(err, r->path, line, -1, r->names[j]);
				return YJ_EDATA;
			}
		}
		if (add_name(r, s, n))
			return oom(r, err);
	}
	return YJ_OK;
}

static int delim_next(yj_reader *r, long *line, yj_error *err)
{
	int blank, k;
	do {
		k = delim_record(r, line, &blank, err);
	} while (k == 1 && blank && r->nnames > 1);
	if (k <= 0)
		return k;
	if (r->nf != r->nnames) {
		error_set(err, YJ_EDATA,
			  P_("the record has %zu field but the header has %zu",
			     "the record has %zu fields but the header has %zu", (unsigned long)r->nf),
			  r->nf,
			  r->nnames);
		const char *field = r->nf < r->nnames ? r->names[r->nf] : NULL;
		error_at(err, r->path, *line, -1, field);
		if (r->nf > r->nnames)
			error_hint(err, _("a field holding the delimiter must be quoted"));
		return -1;
	}
	if (rec_cells(r, r->nnames))
		return oom(r, err), -1;
	return 1;
}

/* ------------------------------------------------------------ JSON lines */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static long map_find(yj_reader *r, const char *name)
{
	if (!r->map_cap)
		return -1;
	size_t m = r->map_cap - 1;
	for (size_t i = hash_str(name) & m;; i = (i + 1) & m) {
		if (!r->map[i])
			return -1;
		if (!strcmp(r->names[r->map[i] - 1], name))
			return (long)(r->map[i] - 1);
	}
}

static int map_insert(yj_reader *r, size_t idx)
{
	if ((r->nnames + 1) * 2 > r->map_cap) {
		size_t cap = r->map_cap ? r->map_cap * 2 : 64;
		size_t *m = calloc(cap, sizeof *m);
		if (!m)
			return -1;
		free(r->map);
		r->map = m;
		r->map_cap = cap;
		for (size_t j = 0; j < r->nnames; j++)
			if (j != idx) {
				size_t i = hash_str(r->names[j]) & (cap - 1);
				while (m[i])
					i = (i + 1) & (cap - 1);
				m[i] = j + 1;
			}
	}
	size_t i = hash_str(r->names[idx]) & (r->map_cap - 1);
	while (r->map[i])
		i = (i + 1) & (r->map_cap - 1);
	r->map[i] = idx + 1;
	return 0;
}

/* Shortest decimal that reads back as the same double, in plain notation
 * below 1e16 (%g alone would turn 120.0 into "1.2e+02"). */
static void format_real(double v, char *out, size_t n)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	/* Above 1, %g writes an exponent only when it is >= prec: the value
	 * is then a whole number, exactly as %.0f prints it. */
	if (strchr(out, 'e') && fabs(v) >= 1 && fabs(v) < 1e16)
		snprintf(out, n, "%.0f", v);
}

/* Compact JSON text of v with reals in their shortest round-trip form
 * (as Python's json.dumps writes them; jansson would use 17 digits). */
static int dump_json(strbuf *sb, json_t *v)
{
	char num[64];
	if (json_is_real(v)) {
		format_real(json_real_value(v), num, sizeof num);
		/* a whole number stays a real: 1.0, not 1 */
		if (!strpbrk(num, ".eEn"))
			strcat(num, ".0");
		return strbuf_adds(sb, num);
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		int rc = strbuf_addc(sb, '[');
		json_array_foreach(v, i, x)
		{
			if (i)
				rc |= strbuf_addc(sb, ',');
			rc |= dump_json(sb, x);
		}
		return rc | strbuf_addc(sb, ']');
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		int rc = strbuf_addc(sb, '{'), first = 1;
		json_object_foreach(v, k, x)
		{
			json_t *key = json_string(k);
			char *ks = json_dumps(key, JSON_ENCODE_ANY);
			json_decref(key);
			if (!ks)
				return -1;
			rc |= strbuf_adds(sb, first ? "" : ",") | strbuf_adds(sb, ks) | strbuf_addc(sb, ':');
			free(ks);
			rc |= dump_json(sb, x);
			first = 0;
		}
		return rc | strbuf_addc(sb, '}');
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return -1;
	int rc = strbuf_adds(sb, s);
	free(s);
	return rc;
}

/* Add one (possibly flattened) value under `name`. */
static int json_put(yj_reader *r, const char *name, json_t *v, long line, yj_error *err);

static int json_put_object(yj_reader *r, const char *prefix, json_t *obj, long line, yj_error *err)
{
	const char *key;
	json_t *val;
	strbuf nm = STRBUF_INIT;
	int rc = 0;
	json_object_foreach(obj, key, val)
	{
		strbuf_reset(&nm);
		if (prefix && (strbuf_adds(&nm, prefix) || strbuf_addc(&nm, '.'))) {
			rc = -1;
			break;
		}
		if (strbuf_adds(&nm, key)) {
			rc = -1;
			break;
		}
		if ((rc = json_put(r, strbuf_str(&nm), val, line, err)) < 0)
			break;
	}
	if (rc < 0 && !err->status)
		oom(r, err);
	strbuf_free(&nm);
	return rc;
}

static int json_put(yj_reader *r, const char *name, json_t *v, long line, yj_error *err)
{
	if (json_is_object(v) && json_object_size(v) > 0)
		return json_put_object(r, name, v, line, err);
	if (!*name) {
		error_set(err, YJ_EDATA, _("an empty key cannot name a field"));
		error_at(err, r->path, line, -1, NULL);
		return -1;
	}
	long idx = map_find(r, name);
	if (idx < 0 && r->nnames >= READER_MAX_FIELDS) {
		error_set(err, YJ_EDATA, _("a key beyond the first %d fields: at most %d are supported"),
			  READER_MAX_FIELDS, READER_MAX_FIELDS);
		error_at(err, r->path, line, -1, name);
		return -1;
	}
	if (idx < 0) {
		if (add_name(r, name, strlen(name)) || map_insert(r, r->nnames - 1))
			return oom(r, err), -1;
		idx = (long)r->nnames - 1;
	}
	/* Cells of this record are indexed by field; make room. */
	while (r->nf < r->nnames) {
		if (rec_begin_field(r))
			return oom(r, err), -1;
		r->nulls[r->nf - 1] = 2; /* 2: not yet seen in this record */
	}
	if (r->nulls[idx] != 2) {
		error_set(err, YJ_EDATA, _("the key appears twice in one object"));
		error_at(err, r->path, line, -1, name);
		return -1;
	}
	char num[64];
	const char *s = NULL;
	char *dump = NULL;
	switch (json_typeof(v)) {
	case JSON_NULL:
		r->nulls[idx] = 1;
		return 0;
	case JSON_STRING:
		s = json_string_value(v);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof num);
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	default: { /* arrays and empty objects stay JSON text */
		strbuf sb = STRBUF_INIT;
		if (dump_json(&sb, v) || !sb.buf) {
			strbuf_free(&sb);
			return oom(r, err), -1;
		}
		dump = strbuf_detach(&sb);
		s = dump;
		break;
	}
	}
	/* Values are appended in any order; remember where each starts. */
	r->offs[idx] = r->rec.len;
	r->nulls[idx] = 0;
	int rc = strbuf_add(&r->rec, s, strlen(s) + 1);
	free(dump);
	if (rc)
		return oom(r, err), -1;
	return 0;
}

/* Read one physical line into r->jline.  Returns 1, 0 at EOF, -1. */
static int read_line(yj_reader *r, long long *start_off, yj_error *err)
{
	strbuf_reset(&r->jline);
	r->rec_line = r->line;
	int any = 0;
	*start_off = -1;
	for (;;) {
		if (r->pos >= r->valid) {
			int f = fill(r, err);
			if (f < 0)
				return -1;
			if (f == 0)
				return any;
		}
		if (*start_off < 0)
			*start_off = file_off(r, r->pos);
		any = 1;
		char *b = r->buf + r->pos;
		char *nl = memchr(b, '\n', r->valid - r->pos);
		size_t n = nl ? (size_t)(nl - b) : r->valid - r->pos;
		if (strbuf_add(&r->jline, b, n))
			return oom(r, err), -1;
		r->pos += n;
		if (nl) {
			r->pos++;
			return 1;
		}
	}
}

static int jsonl_next(yj_reader *r, long *line, yj_error *err)
{
	for (;;) {
		long long off;
		int k = read_line(r, &off, err);
		if (k <= 0)
			return k;
		*line = r->line++;
		const char *s = strbuf_str(&r->jline);
		size_t n = r->jline.len;
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			continue; /* blank line */
		json_error_t jerr;
		json_t *obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!obj) {
			error_set(err, YJ_EDATA, _("invalid JSON: %s"), jerr.text);
			error_at(err, r->path, *line, off >= 0 ? off + jerr.position : -1, NULL);
			return -1;
		}
		if (!json_is_object(obj)) {
			json_decref(obj);
			error_set(err, YJ_EDATA, _("each line must hold one JSON object"));
			error_at(err, r->path, *line, off, NULL);
			return -1;
		}
		rec_reset(r);
		for (size_t j = 0; j < r->nnames; j++) {
			if (rec_begin_field(r)) {
				json_decref(obj);
				return oom(r, err), -1;
			}
			r->nulls[j] = 2;
		}
		int rc = json_put_object(r, NULL, obj, *line, err);
		json_decref(obj);
		if (rc < 0)
			return -1;
		for (size_t j = 0; j < r->nf; j++)
			if (r->nulls[j] == 2)
				r->nulls[j] = 1;
		if (rec_cells(r, r->nnames))
			return oom(r, err), -1;
		return 1;
	}
}

/* ------------------------------------------------------------------ API */

yj_status reader_open(const char *path, const yj_reader_opts *opts, yj_reader **out,
		      yj_error *err)
{
	*out = NULL;
	yj_reader *r = calloc(1, sizeof *r);
	if (!r)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	r->cd = (iconv_t)-1;
	r->fd = -1;
	r->line = 1;
	r->size = -1;
	r->cancel = opts ? opts->cancel : NULL;
	r->path = strdup(path);
	if (!r->path) {
		free(r);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	yj_format fmt = opts ? opts->format : FORMAT_AUTO;
	r->format = fmt == FORMAT_AUTO ? format_from_name(path) : fmt;

	yj_status st = YJ_OK;
	const char *enc = opts && opts->encoding ? opts->encoding : "utf-8";
	if (strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8")) {
		if (strcasecmp(enc, "gb18030") && strcasecmp(enc, "gbk")) {
			st = error_set(err, YJ_EUSAGE, _("unsupported encoding '%s' (use utf-8, gb18030 or gbk)"),
				       enc);
			goto fail;
		}
		r->cd = iconv_open("UTF-8", !strcasecmp(enc, "gbk") ? "GBK" : "GB18030");
		if (r->cd == (iconv_t)-1) {
			st = error_set(err, YJ_EIO, _("cannot convert from %s: %s"), enc, strerror(errno));
			goto fail;
		}
		r->raw = malloc(CHUNK);
		if (!r->raw) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto fail;
		}
	}
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			st = error_set(err, errno == ENOENT ? YJ_ENOTFOUND : YJ_EIO, _("cannot open: %s"),
				       strerror(errno));
			error_at(err, path, -1, -1, NULL);
			goto fail;
		}
		r->own_fd = 1;
	}
	struct stat sb;
	if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		r->size = (long long)sb.st_size;
	else if (fstat(r->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		st = error_set(err, YJ_EIO, _("is a directory"));
		error_at(err, path, -1, -1, NULL);
		goto fail;
	}
	if (r->format != FORMAT_JSONL && (st = read_header(r, err)))
		goto fail;
	*out = r;
	return YJ_OK;
fail:
	reader_close(r);
	return st;
}

int reader_next(yj_reader *r, const yj_cell **cells, size_t *ncells, long *line, yj_error *err)
{
	int k = r->format == FORMAT_JSONL ? jsonl_next(r, line, err) : delim_next(r, line, err);
	if (k == 1) {
		*cells = r->cells;
		*ncells = r->nnames;
	}
	return k;
}

size_t reader_nfields(const yj_reader *r)
{
	return r->nnames;
}

const char *reader_field_name(const yj_reader *r, size_t i)
{
	return i < r->nnames ? r->names[i] : NULL;
}

yj_format reader_format(const yj_reader *r)
{
	return r->format;
}

long long reader_bytes_read(const yj_reader *r)
{
	return r->nread;
}

long long reader_file_size(const yj_reader *r)
{
	return r->size;
}

void reader_close(yj_reader *r)
{
	if (!r)
		return;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	free(r->raw);
	free(r->buf);
	strbuf_free(&r->rec);
	strbuf_free(&r->jline);
	free(r->offs);
	free(r->nulls);
	free(r->cells);
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->map);
	free(r->path);
	free(r);
}
