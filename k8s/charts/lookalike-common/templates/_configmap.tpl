{{- define "lookalike.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "lookalike.fullname" . }}
  labels: {{- include "lookalike.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
{{- end -}}
