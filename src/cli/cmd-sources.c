/*
 * cmd-sources.c - yujing sources PROJECT [--json] [--set-type SOURCE.FIELD=TYPE]...
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/retype.h"
#include "yujing/store/sources.h"

enum { O_JSON = 256, O_SET_TYPE };

#define MAX_SET 64

static const cli_option options[] = {
	{"json", O_JSON, NULL, N_("print the sources as JSON")},
	{"set-type", O_SET_TYPE, N_("SOURCE.FIELD=TYPE"),
	 N_("change a field's type (auto: infer again; numeric, integer, real, categorical, datetime, text)")},
	{0},
};

typedef struct {
	int json;
	const char *set[MAX_SET];
	size_t nset;
} opts;

static int on_opt(void *ctx, int key, const char *arg)
{
	opts *o = ctx;
	if (key == O_JSON)
		o->json = 1;
	else if (key == O_SET_TYPE) {
		if (o->nset == MAX_SET) {
			cli_usage_error(NULL, _("at most %d --set-type"), MAX_SET);
			return 2;
		}
		o->set[o->nset++] = arg;
	}
	return 0;
}

/* One --set-type: SOURCE.FIELD=TYPE, where SOURCE is the longest prefix
 * before a '.' that names a source (names may hold dots). */
static int set_type(const cli_command *cmd, yj_project *p, const char *spec)
{
	const char *eq = strrchr(spec, '=');
	if (!eq || eq == spec || !eq[1])
		return cli_usage_error(cmd, _("--set-type wants SOURCE.FIELD=TYPE, not '%s'"), spec);
	char *src = strndup(spec, (size_t)(eq - spec));
	if (!src)
		return 1;
	char *dot = NULL;
	for (char *d = src + strlen(src); d-- > src;) {
		if (*d != '.')
			continue;
		*d = 0;
		int found = sources_exists(p, src);
		*d = '.';
		if (found) {
			dot = d;
			break;
		}
	}
	if (!dot) {
		free(src);
		return cli_usage_error(cmd, _("no source named in '%s' (SOURCE.FIELD=TYPE)"), spec);
	}
	*dot = 0;
	yj_error err;
	error_clear(&err);
	yj_retype_result r;
	int rc = 0;
	if (retype_field(p, src, dot + 1, eq + 1, &r, &err))
		rc = cli_fail(&err);
	else if (!strcmp(r.old_type, r.new_type) && !strcmp(r.old_role, r.new_role))
		printf(_("%s.%s stays %s\n"), cli_esc(src), cli_esc(dot + 1), _(r.new_type));
	else
		printf(_("%s.%s: %s (%s) -> %s (%s)\n"), cli_esc(src), cli_esc(dot + 1), _(r.old_type), _(r.old_role),
		       _(r.new_type), _(r.new_role));
	free(src);
	return rc;
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
	opts o = {0};
	int i = cli_parse(cmd, argc, argv, on_opt, &o);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	int json = o.json;
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if ((o.nset ? project_open(argv[i], &p, &err) : project_open_readonly(argv[i], &p, &err)))
		return cli_fail(&err);
	if (o.nset) {
		int rc = 0;
		for (size_t k = 0; k < o.nset && !rc; k++)
			rc = set_type(cmd, p, o.set[k]);
		project_close(p);
		return rc;
	}
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
	.synopsis = N_("PROJECT [--json] [--set-type SOURCE.FIELD=TYPE]..."),
	.summary = N_("List the sources of a project with row counts, field types and roles; change a type"),
	.options = options,
	.run = run,
};
