/* ownership/teams_conf.c - carbonstat.ini's [teams], [teams.namespaces] and
 * [teams.services] sections, and the names they hold (teams.h). */
#include <stdio.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/why.h"
#include "ownership/teams.h"

#define TEAMS_UNIT_MAX  128 /* systemd unit names, with the NUL */
#define TEAMS_LABEL_MAX 320 /* label keys: prefix (253) '/' name (63), with the NUL */

static bool teams_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool cs_teams_valid_team(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n >= CS_TEAM_MAX - 1 || !(teams_alnum(s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return false;
	return n > 0;
}

/* RFC 1123 label of n chars: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool teams_dns_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool cs_teams_valid_namespace(const char *s)
{
	return s && teams_dns_label(s, strnlen(s, 64));
}

/* Label name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, <= 63. */
static bool teams_label_name(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !teams_alnum(s[0]) || !teams_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(teams_alnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

bool cs_teams_valid_label_key(const char *s)
{
	const char *slash;
	size_t n, start = 0;

	if (!s)
		return false;
	n = strnlen(s, TEAMS_LABEL_MAX);
	if (n >= TEAMS_LABEL_MAX)
		return false;
	slash = memchr(s, '/', n);
	if (!slash)
		return teams_label_name(s, n);
	/* prefix: DNS subdomain, dot-separated labels, <= 253 */
	if (slash - s > 253)
		return false;
	for (size_t i = 0; i <= (size_t)(slash - s); i++) {
		if (s + i == slash || s[i] == '.') {
			if (!teams_dns_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return teams_label_name(slash + 1, n - (size_t)(slash - s) - 1);
}

/* ---- the section's checks ---------------------------------------------------------- */

static int teams_team_ok(const char *v, char *why, size_t cap)
{
	(void)why;
	(void)cap;
	return cs_teams_valid_team(v) ? 0 : CS_EINVAL;
}

static int teams_label_ok(const char *v, char *why, size_t cap)
{
	if (cs_teams_valid_label_key(v))
		return 0;
	cs_set_why(why, cap, "'%s' is not a Kubernetes label key", v);
	return CS_EINVAL;
}

static int teams_namespace_key(const char *name, char *out, size_t cap, char *why, size_t whycap)
{
	if (!cs_teams_valid_namespace(name)) {
		cs_set_why(why, whycap, "'%s' is not a namespace name (lower-case RFC 1123 label)", name);
		return CS_EINVAL;
	}
	snprintf(out, cap, "%s", name);
	return 0;
}

/* systemd unit name: [A-Za-z0-9:_.@\-]+ with a '.' (the type); "nginx" is
 * "nginx.service". */
static int teams_unit_key(const char *name, char *out, size_t cap, char *why, size_t whycap)
{
	size_t n;

	if (snprintf(out, cap, "%s%s", name, strchr(name, '.') ? "" : ".service") >= (int)cap)
		out[0] = '\0';
	for (n = 0; out[n]; n++)
		if (n >= TEAMS_UNIT_MAX - 1 || !(teams_alnum(out[n]) || strchr(":_.@-\\", out[n]) != NULL))
			break;
	if (n == 0 || out[n]) {
		cs_set_why(why, whycap, "not a systemd unit name");
		return CS_EINVAL;
	}
	return 0;
}

#define TEAMS_TEAM_WORDS "a team name (1-63 of A-Z a-z 0-9 . _ -)"

static const cs_conf_key teams_keys[] = {
    {"label_keys", CS_CONF_LIST, CS_CONF_AT(cs_teams_conf, label_keys), .def = "team, app.kubernetes.io/part-of",
     .max = CS_TEAMS_LABEL_KEYS_MAX, .valid = teams_label_ok, .expect = "label keys",
     .help = "pod labels naming the team, the first found wins"},
    {"default_team", CS_CONF_STRING, CS_CONF_AT(cs_teams_conf, default_team), .def = "system", .valid = teams_team_ok,
     .expect = TEAMS_TEAM_WORDS, .help = "team of systemd services, sessions and the rest of the node"},
    {"namespaces", CS_CONF_MAP, CS_CONF_AT(cs_teams_conf, namespaces), .valid = teams_team_ok,
     .map_key = teams_namespace_key, .expect = TEAMS_TEAM_WORDS, .help = "namespace = team"},
    {"services", CS_CONF_MAP, CS_CONF_AT(cs_teams_conf, services), .valid = teams_team_ok, .map_key = teams_unit_key,
     .expect = TEAMS_TEAM_WORDS,
     .help = "systemd unit = team (\".service\" implied; a template unit \"getty@.service\" maps its instances)"},
};

const cs_conf_section cs_teams_section = CS_CONF_SECTION("teams", cs_teams_conf, teams_keys);

const char *cs_teams_service_team(const cs_teams_conf *t, const char *unit)
{
	const char *team, *at, *dot;
	char tmpl[TEAMS_UNIT_MAX];

	if (!t || !unit || !unit[0])
		return NULL;
	team = cs_conf_map_get(&t->services, unit);
	if (team)
		return team;
	/* "getty@tty1.service" -> "getty@.service" */
	at = strchr(unit, '@');
	dot = strrchr(unit, '.');
	if (!at || !dot || dot < at || (size_t)(at - unit) + 1 + strlen(dot) >= sizeof(tmpl))
		return NULL;
	snprintf(tmpl, sizeof(tmpl), "%.*s%s", (int)(at - unit + 1), unit, dot);
	return cs_conf_map_get(&t->services, tmpl);
}
