/*
 * prompts.c - the TUI prompt's history in the project settings (see
 * prompts.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/prompts.h"
#include "internal.h"

#define PROMPTS_KEY "prompt_history"

void prompts_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Split text at newlines into a malloc'd array of copies. */
static int split_lines(const char *text, char ***lines, size_t *n)
{
	size_t cnt = 0, k = 0;
	*lines = NULL;
	*n = 0;
	if (!text || !*text)
		return 0;
	for (const char *s = text; *s; s++)
		cnt += *s == '\n';
	char **v = calloc(cnt + 1, sizeof *v);
	if (!v)
		return -1;
	for (const char *s = text; *s;) {
		size_t len = strcspn(s, "\n");
		if (len) {
			v[k] = strndup(s, len);
			if (!v[k]) {
				prompts_free(v, k);
				return -1;
			}
			k++;
		}
		s += len;
		if (*s)
			s++;
	}
	*lines = v;
	*n = k;
	return 0;
}

yj_status prompts_load(yj_project *p, char ***lines, size_t *n, yj_error *err)
{
	char *text = NULL;
	yj_status st = project_setting_get(p, PROMPTS_KEY, &text, err);
	*lines = NULL;
	*n = 0;
	if (st)
		return st;
	if (split_lines(text, lines, n))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	free(text);
	return st;
}

yj_status prompts_add(yj_project *p, const char *line, size_t keep, yj_error *err)
{
	char *clean = strdup(line), *text = NULL, **v = NULL;
	size_t n = 0;
	strbuf sb = STRBUF_INIT;
	yj_status st;
	if (!clean)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	for (char *s = clean; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	if (!*clean || keep == 0) {
		free(clean);
		return YJ_OK;
	}
	if ((st = project_begin(p, err)))
		goto out;
	if ((st = project_setting_get(p, PROMPTS_KEY, &text, err)))
		goto fail;
	if (split_lines(text, &v, &n)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (n && !strcmp(v[n - 1], clean)) {
		project_rollback(p);
		goto out;
	}
	/* The newest keep - 1 old lines, then the new one. */
	for (size_t i = n >= keep ? n - keep + 1 : 0; i < n; i++)
		if (strbuf_adds(&sb, v[i]) || strbuf_addc(&sb, '\n'))
			goto nomem;
	if (strbuf_adds(&sb, clean))
		goto nomem;
	if ((st = project_setting_set(p, PROMPTS_KEY, strbuf_str(&sb), err)))
		goto fail;
	st = project_commit(p, err);
	if (st)
		goto fail;
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
fail:
	project_rollback(p);
out:
	prompts_free(v, n);
	strbuf_free(&sb);
	free(text);
	free(clean);
	return st;
}
