{{/*
Names, labels and the rendered carbonstat.ini, shared by the templates.
*/}}

{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "carbonstat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "carbonstat.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "carbonstat.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: never change them after the first install (the DaemonSet selector is immutable). */}}
{{- define "carbonstat.selectorLabels" -}}
app.kubernetes.io/name: {{ include "carbonstat.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "carbonstat.labels" -}}
helm.sh/chart: {{ include "carbonstat.chart" . }}
{{ include "carbonstat.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: carbonstat
{{- end -}}

{{- define "carbonstat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "carbonstat.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the Electricity Maps key: the user's, or the one this chart creates. */}}
{{- define "carbonstat.gridSecretName" -}}
{{- default (printf "%s-grid" (include "carbonstat.fullname" .)) .Values.grid.existingSecret -}}
{{- end -}}

{{- define "carbonstat.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
One INI value. Helm reads every YAML number as a float64, which Go prints
as 1e+06 past six digits: whole numbers are printed as integers.
*/}}
{{- define "carbonstat.iniValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq . (floor .) -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/*
carbonstat.ini from .Values.config (sections in name order), plus the keys
the chart owns ([prometheus] listen and web_config) and the team maps. An
empty string leaves a key unset.
*/}}
{{- define "carbonstat.configIni" -}}
; carbonstat.ini rendered by the carbonstat Helm chart (values: config, metrics, teams)
{{- range $section, $keys := .Values.config }}

[{{ $section }}]
{{- range $key, $value := $keys }}
{{- if not (and (kindIs "string" $value) (eq $value "")) }}
{{ $key }} = {{ include "carbonstat.iniValue" $value }}
{{- end }}
{{- end }}
{{- if eq $section "prometheus" }}
listen = :{{ $.Values.metrics.port }}
{{- if $.Values.metrics.webConfig.existingSecret }}
web_config = /etc/carbonstat/web/{{ $.Values.metrics.webConfig.key }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.teams.namespaces }}

[teams.namespaces]
{{- range $ns, $team := . }}
{{ $ns }} = {{ $team }}
{{- end }}
{{- end }}
{{- with .Values.teams.services }}

[teams.services]
{{- range $unit, $team := . }}
{{ $unit }} = {{ $team }}
{{- end }}
{{- end }}
{{- end -}}
