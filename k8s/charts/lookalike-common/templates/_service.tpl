{{- define "lookalike.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "lookalike.fullname" . }}
  labels: {{- include "lookalike.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  selector: {{- include "lookalike.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
{{- end -}}
