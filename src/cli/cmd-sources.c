/*
 * cmd-sources.c - yujing sources PROJECT [--json]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/sources.h"

enum { O_JSON = 256 };

static const cli_option options[] = {
	{"json", O_JSON, NULL, N_("print the sources as JSON")},
	{0},
};

static int on_opt(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == O_JSON)
		*(int *)ctx = 1;
	return 0;
}

static json_t *source_json(const yj_source_info *s)
{
	json_t *fields = json_array();
	for (size_t i = 0; i < s->nfields; i++)
		json_array_append_new(fields, json_pack("{s:s, s:s, s:s, s:s}", "name", s->fields[i].name,
							"type", s->fields[i].type, "inferred",
							s->fields[i].inferred, "role", s->fields[i].role));
	return json_pack("{s:s, s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:o}", "name", s->name, "rows",
			 (json_int_t)s->rows, "key", s->key_field, "label", s->label_field, "file", s->file,
			 "format", s->format, "encoding", s->encoding, "imported_at", s->imported_at,
			 "fields", fields);
}

static void print_source(const yj_source_info *s)
{
	printf(P_("%s: %lld row, key %s", "%s: %lld rows, key %s", (unsigned long)s->rows), cli_esc(s->name),
	       s->rows, cli_esc(s->key_field));
	if (s->label_field)
		printf(_(", label %s"), cli_esc(s->label_field));
	printf(_(" (from %s)\n"), cli_esc(s->file));
	cli_table *t = cli_table_new(3);
	const char *head[] = {_("field"), _("type"), _("role")};
	cli_table_row(t, head);
	for (size_t i = 0; i < s->nfields; i++) {
		const char *row[] = {s->fields[i].name, _(s->fields[i].type), _(s->fields[i].role)};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	int json = 0;
	int i = cli_parse(cmd, argc, argv, on_opt, &json);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_open_readonly(argv[i], &p, &err))
		return cli_fail(&err);
	yj_source_info *v;
	size_t n;
	if (sources_list(p, &v, &n, &err)) {
		project_close(p);
		return cli_fail(&err);
	}
	int rc = 0;
	if (json) {
		json_t *arr = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(arr, source_json(&v[k]));
		rc = cli_print_json(json_pack("{s:o}", "sources", arr));
	} else if (n == 0) {
		printf(_("no sources yet; add one with 'yujing import'\n"));
	} else {
		for (size_t k = 0; k < n; k++) {
			if (k)
				putchar('\n');
			print_source(&v[k]);
		}
	}
	sources_list_free(v, n);
	project_close(p);
	return rc;
}

const cli_command cmd_sources = {
	.name = "sources",
	.synopsis = N_("PROJECT [--json]"),
	.summary = N_("List the sources of a project with row counts, field types and roles"),
	.options = options,
	.run = run,
};
