{{- define "lookalike.secret" -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "lookalike.fullname" . }}
  labels: {{- include "lookalike.labels" . | nindent 4 }}
type: Opaque
stringData:
  {{- range $key, $value := .Values.secrets }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
{{- end -}}
