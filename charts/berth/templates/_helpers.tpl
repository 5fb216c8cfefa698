{{- define "berth.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "berth.labels" -}}
app.kubernetes.io/name: berth
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* The pod spec shared by every Deployment; `services` is the --services value. */}}
{{- define "berth.pod" -}}
{{- $root := .root -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
terminationGracePeriodSeconds: 45
containers:
  - name: berth
    image: "{{ $root.Values.image.repository }}:{{ $root.Values.image.tag | default $root.Chart.AppVersion }}"
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: ["serve", "--services", {{ .services | quote }}]
    ports:
      - { name: http, containerPort: 8080 }
    env:
      - { name: BERTH_HTTP_ADDR, value: "0.0.0.0:8080" }
      - { name: BERTH_EXTERNAL_URL, value: {{ $root.Values.externalURL | quote }} }
      - { name: BERTH_LOG_FORMAT, value: json }
      - { name: BERTH_STORAGE_URL, value: {{ $root.Values.storage.url | quote }} }
      {{- with $root.Values.storage.s3 }}
      {{- if .endpoint }}
      - { name: BERTH_S3_ENDPOINT, value: {{ .endpoint | quote }} }
      {{- end }}
      - { name: BERTH_S3_REGION, value: {{ .region | quote }} }
      - { name: BERTH_S3_PATH_STYLE, value: {{ .pathStyle | quote }} }
      - name: BERTH_S3_ACCESS_KEY_ID
        valueFrom: { secretKeyRef: { name: {{ .credentialsSecret.name }}, key: {{ .credentialsSecret.accessKeyIdKey }} } }
      - name: BERTH_S3_SECRET_ACCESS_KEY
        valueFrom: { secretKeyRef: { name: {{ .credentialsSecret.name }}, key: {{ .credentialsSecret.secretAccessKeyKey }} } }
      {{- end }}
      - name: BERTH_DATABASE_URL
        valueFrom: { secretKeyRef: { name: {{ $root.Values.database.urlSecret.name }}, key: {{ $root.Values.database.urlSecret.key }} } }
      - name: BERTH_REDIS_URL
        valueFrom: { secretKeyRef: { name: {{ $root.Values.redis.urlSecret.name }}, key: {{ $root.Values.redis.urlSecret.key }} } }
      - name: BERTH_ADMIN_PASSWORD
        valueFrom: { secretKeyRef: { name: {{ $root.Values.admin.passwordSecret.name }}, key: {{ $root.Values.admin.passwordSecret.key }} } }
      - { name: BERTH_TOKEN_KEY, value: /etc/berth/token/key.pem }
      {{- with $root.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    volumeMounts:
      - { name: token-key, mountPath: /etc/berth/token, readOnly: true }
      - { name: data, mountPath: /var/lib/berth }
    # Liveness never looks at dependencies; readiness waits for the database
    # and the schema.
    livenessProbe:
      httpGet: { path: /livez, port: http }
      periodSeconds: 10
    readinessProbe:
      httpGet: { path: /readyz, port: http }
      periodSeconds: 5
    resources:
      {{- toYaml $root.Values.resources | nindent 6 }}
volumes:
  - name: token-key
    secret:
      secretName: {{ $root.Values.tokenKey.secret.name }}
      items: [{ key: {{ $root.Values.tokenKey.secret.key }}, path: key.pem }]
  - name: data
    emptyDir: {}
{{- end -}}
