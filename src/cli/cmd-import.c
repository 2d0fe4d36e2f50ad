/*
 * cmd-import.c - yujing import PROJECT --source NAME --key FIELD [...] FILE
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/append.h"
#include "yujing/data/import.h"
#include "yujing/store/sources.h"

enum { O_TYPE = 256, O_REPLACE, O_APPEND, O_JSON };

static const cli_option options[] = {
	{"source", 's', N_("NAME"), N_("name of the source table (required)")},
	{"key", 'k', N_("FIELD"), N_("field holding the case key (required; need not be unique); @NAME numbers the rows into a new key field NAME")},
	{"label", 'l', N_("FIELD"), N_("field holding the crime category")},
	{"text", 't', N_("F1,F2,..."), N_("fields holding free text (narratives)")},
	{"type", O_TYPE, N_("FIELD=TYPE"),
	 N_("override an inferred type: integer, real, categorical, text or datetime (repeatable)")},
	{"format", 'f', N_("FORMAT"), N_("csv, tsv or jsonl (default: from the file name, else csv)")},
	{"encoding", 'e', N_("ENC"), N_("utf-8 (default), gb18030 or gbk")},
	{"append", O_APPEND, NULL, N_("add the file's rows to the existing source NAME (same fields; a case key the source already has is an error; one transaction)")},
	{"replace", O_REPLACE, NULL, N_("replace a source of the same name, dropping its rows")},
	{"json", O_JSON, NULL, N_("print the result as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_import_opts o;
	char **text;
	yj_type_override *types;
	size_t ntypes;
	int json, append;
} import_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	import_args *a = ctx;
	switch (key) {
	case 's':
		a->o.source = arg;
		break;
	case 'k':
		a->o.key = arg;
		break;
	case 'l':
		a->o.label = arg;
		break;
	case 't':
		free(a->text);
		a->text = cli_split_list(arg, &a->o.ntext);
		a->o.text = (const char *const *)a->text;
		if (!a->text) { /* out of memory: not "no text field" */
			fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
			return 1;
		}
		break;
	case O_TYPE: {
		const char *eq = strrchr(arg, '=');
		int t = eq ? ftype_parse(eq + 1) : -1;
		if (!eq || eq == arg || t < 0)
			return cli_usage_error(a->cmd, _("--type wants FIELD=TYPE with TYPE one of integer, "
							 "real, categorical, text, datetime (got '%s')"),
					       arg);
		yj_type_override *v = realloc(a->types, (a->ntypes + 1) * sizeof *v);
		char *field = strndup(arg, (size_t)(eq - arg));
		if (!v || !field) {
			free(field);
			fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
			return 1;
		}
		a->types = v;
		v[a->ntypes].field = field;
		v[a->ntypes].type = (yj_ftype)t;
		a->ntypes++;
		break;
	}
	case 'f': {
		int f = reader_format_parse(arg);
		if (f < 0)
			return cli_usage_error(a->cmd, _("unknown format '%s' (use csv, tsv or jsonl)"), arg);
		a->o.format = (yj_format)f;
		break;
	}
	case 'e':
		a->o.encoding = arg;
		break;
	case O_REPLACE:
		a->o.replace = 1;
		break;
	case O_APPEND:
		a->append = 1;
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

static int report(const import_args *a, yj_project *p, const char *file, const yj_import_result *res)
{
	yj_source_info s;
	yj_error err;
	error_clear(&err);
	if (sources_get(p, a->o.source, &s, &err))
		return cli_fail(&err);
	if (a->json) {
		json_t *fields = json_array();
		for (size_t i = 0; i < s.nfields; i++)
			json_array_append_new(fields, json_pack("{s:s, s:s, s:s, s:s}", "name", s.fields[i].name,
								"type", s.fields[i].type, "inferred",
								s.fields[i].inferred, "role", s.fields[i].role));
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:f, s:o}", "source", s.name, "file", file,
				      "rows", (json_int_t)res->rows, "bytes", (json_int_t)res->bytes, "seconds",
				      res->seconds, "fields", fields);
		sources_free(&s, 1);
		return cli_print_json(o);
	}
	if (a->append) {
		printf(P_("added %lld row to source '%s' (%lld rows now, %.2f s)\n",
			  "added %lld rows to source '%s' (%lld rows now, %.2f s)\n", (unsigned long)res->rows),
		       res->rows, s.name, s.rows, res->seconds);
		sources_free(&s, 1);
		return 0;
	}
	char nfields[64];
	snprintf(nfields, sizeof nfields, P_("%zu field", "%zu fields", (unsigned long)s.nfields),
		 s.nfields);
	printf(P_("imported %lld row into source '%s' (%s, %.2f s)\n",
		  "imported %lld rows into source '%s' (%s, %.2f s)\n", (unsigned long)res->rows),
	       res->rows, cli_esc(s.name), nfields, res->seconds);
	cli_table *t = cli_table_new(3);
	const char *head[] = {_("field"), _("type"), _("role")};
	cli_table_row(t, head);
	for (size_t i = 0; i < s.nfields; i++) {
		const char *row[] = {s.fields[i].name, _(s.fields[i].type), _(s.fields[i].role)};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
	sources_free(&s, 1);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	import_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	int rc = 0;
	yj_project *p = NULL;
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0) {
		rc = -i - 1;
		goto out;
	}
	if (argc - i != 2) {
		rc = cli_usage_error(cmd, _("expected a project file and one data file"));
		goto out;
	}
	if (a.append && (a.o.replace || a.o.label || a.o.ntext || a.ntypes)) {
		rc = cli_usage_error(cmd, _("--append keeps the source's fields: not with --replace, --label, --text or --type"));
		goto out;
	}
	if (!a.o.source || (!a.o.key && !a.append)) {
		rc = cli_usage_error(cmd, _("--source and --key are required"));
		goto out;
	}
	a.o.types = a.types;
	a.o.ntypes = a.ntypes;
	yj_error err;
	error_clear(&err);
	if (project_open(argv[i], &p, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	yj_progress pg;
	cli_progress_init(&pg);
	a.o.progress = &pg;
	cli_catch_interrupt();
	yj_import_result res;
	if (a.append ? import_append(p, argv[i + 1], &a.o, &res, &err) : import_file(p, argv[i + 1], &a.o, &res, &err)) {
		cli_progress_done(&pg);
		rc = cli_fail(&err);
		goto out;
	}
	cli_progress_done(&pg);
	rc = report(&a, p, argv[i + 1], &res);
out:
	project_close(p);
	free(a.text);
	for (size_t k = 0; k < a.ntypes; k++)
		free((char *)a.types[k].field);
	free(a.types);
	return rc;
}

const cli_command cmd_import = {
	.name = "import",
	.synopsis = N_("PROJECT --source NAME --key FIELD [OPTIONS] FILE"),
	.summary = N_("Import one source table (CSV, TSV or JSON lines) into a project"),
	.description = N_("Rows are stored as read; field types are inferred and can be overridden. "
			  "The key may repeat (several rows per case) and exact duplicate rows are kept. "
			  "The import is one transaction: on any error, or Ctrl-C, nothing is written. "
			  "JSON objects nested in a line become dotted field names (meta.accusation); "
			  "arrays are kept as JSON text. FILE may be - for standard input. "
			  "With --append the rows go into an existing source instead: new cases, or "
			  "rows of cases that other sources hold, never more rows of a case the source "
			  "already has."),
	.options = options,
	.run = run,
};
