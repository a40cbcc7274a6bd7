{{- define "lookalike.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "lookalike.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: lookalike
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "lookalike.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lookalike.all" -}}
{{ include "lookalike.configmap" . }}
---
{{ include "lookalike.secret" . }}
---
{{ include "lookalike.deployment" . }}
---
{{ include "lookalike.service" . }}
{{- if .Values.autoscaling.enabled }}
---
{{ include "lookalike.hpa" . }}
{{- end }}
{{- if .Values.podDisruptionBudget.enabled }}
---
{{ include "lookalike.pdb" . }}
{{- end }}
{{- if .Values.serviceMonitor.enabled }}
---
{{ include "lookalike.servicemonitor" . }}
{{- end }}
{{- end -}}
