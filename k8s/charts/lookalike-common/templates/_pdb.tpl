{{- define "lookalike.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "lookalike.fullname" . }}
  labels: {{- include "lookalike.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels: {{- include "lookalike.selectorLabels" . | nindent 6 }}
{{- end -}}
