// Package config loads bake.yaml: the project's images, how each is checked
// in the sandbox, and the environments releases move through.
//
// A complete file, with what each key means:
//
//	project: demo                 # required; lowercase letters, digits, hyphens; at most 40
//	registry: 127.0.0.1:5000      # host[:port]; the default; or a mapping:
//	                              # {address: host:port, ca: certs/ca.pem (a PEM CA bundle, relative
//	                              # to bake.yaml), create_repositories: true (Amazon ECR only: the
//	                              # repository is created before the first push)}
//	ledger: .bake/ledger.db       # the default, relative to bake.yaml; or
//	                              # dynamodb://TABLE?region=us-east-1[&endpoint=URL] for a team
//	frontdoor:
//	  admin: 127.0.0.1:2019       # deprecated: where the shared Caddy of an older bake answered; the default
//	aws:                          # for AMI images and asg targets; default: the SDK's standard chain
//	  region: us-east-1           # where AMIs are built and asg targets run (AWS_REGION otherwise)
//	  endpoint: http://127.0.0.1:5001  # one endpoint for every AWS service (AWS_ENDPOINT_URL otherwise)
//	notify:
//	  webhook: https://hooks.example.com/bake  # one JSON POST per event; BAKE_WEBHOOK_URL overrides;
//	                              # https only, no redirects followed; public addresses only unless:
//	  allow: [loopback, private]  # optional; loopback: 127.0.0.0/8 and ::1, and plain http to them
//	                              # (tests); private: 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7.
//	                              # Link-local and cloud metadata addresses are never reached
//	signing:                      # optional; `bake keygen` writes a key pair and prints these lines
//	  key: .bake/signing.key      # private key releases are signed with when recorded; BAKE_SIGNING_KEY
//	                              # (the PEM text) or BAKE_SIGNING_KEY_FILE come first
//	  public_keys: [keys/release.pub]  # each read and checked at load; when set, `bake release` needs a
//	                              # key among them, and promote and rollback deploy only releases they signed
//	  approvers:                  # optional; who may approve (bake approve --key): when set, an approval
//	    - {name: ann, public_key: keys/ann.pub}  # counts only if one of these keys signed it, and in a
//	                              # protected environment not if it is the key that signed the release
//	builder: buildkit             # optional; the engine's BuildKit (default), or legacy: the engine's legacy
//	                              # builder (no secret or cache mounts); or a buildkitd:
//	                              # {address: tcp://buildkit.internal:1234, ca: ca.pem, cert: client.pem,
//	                              #  key: client-key.pem, server_name: NAME}; BUILDKIT_HOST comes first
//	images:                       # required; name -> definition, file order kept
//	  debian:
//	    template: templates/base/debian   # an existing directory; this or dockerfile
//	    context: images/debian            # default images/<name>; an existing directory
//	    vars: {suite: bookworm}           # strings; numbers and booleans keep their text
//	  api:
//	    dockerfile: Dockerfile            # a Dockerfile built as it is, no templating; it gets
//	                                      # BAKE_VERSION, BAKE_IMAGE, BAKE_GIT_COMMIT, BAKE_BASE and its
//	                                      # vars as build arguments where it declares them (ARG)
//	    context: .                        # default: the Dockerfile's directory
//	  hello:
//	    template: templates/docker/go-service
//	    base: debian                      # another image here; no cycles
//	    port: 8080                        # 1..65535
//	    secrets: [npm_token]              # build secrets, by name (lowercase, digits, _); each value comes
//	                                      # from BAKE_SECRET_<NAME> at build time, never from this file;
//	                                      # Dockerfile templates use {{ secret "npm_token" }}, plain
//	                                      # Dockerfiles RUN --mount=type=secret,id=npm_token (each one
//	                                      # they mount must be listed), Packer templates a sensitive
//	                                      # variable of that name
//	    platforms: [linux/amd64, linux/arm64]  # built as one index by a buildkitd (builder.address or
//	                                      # BUILDKIT_HOST) and validated per platform; default: the
//	                                      # builder's own platform
//	    sandbox: {read_only: false}       # default true: a read-only root filesystem in the sandbox
//	                                      # AMI images: {subnet: subnet-..., instance_type: t3.micro,
//	                                      #   instance_profile: ssm-agent} (lets SSM run the checks)
//	    checks:
//	      - name: healthz                 # required, unique within the image
//	        http:                         # exactly one of http, tcp and command
//	          port: 8080                  # default: the image's port
//	          path: /healthz              # default "/"
//	          status: 200                 # default 200
//	          body: '"version":"{{ .Version }}"'  # regular expression; may use template actions
//	          timeout: 30s                # default 30s
//	      - name: port-open
//	        tcp: {port: 8080, timeout: 10s}  # port defaults to the image's
//	      - name: not-root
//	        user: {not_root: true}        # or name: "65534:65534"; read from the image's config
//	      - name: version-flag
//	        command:
//	          argv: ["/hello", "-version"]  # required list
//	          exit: 0                     # default 0
//	          stdout: '{{ .Version }}'    # regular expression; may use template actions
//	          timeout: 10s
//	environments:                 # required; promotion order
//	  - name: dev                 # required, unique
//	    protected: false          # true: promote and rollback ask first on a terminal, need --yes elsewhere
//	    registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com  # optional, same shape as the project's:
//	                              # promote copies a release here by digest; its targets pull from here
//	    gates:                    # optional, beyond validated, not revoked, passed the environment before
//	      approval: true          # needs `bake approve IMAGE@VERSION --env dev`
//	      soak: 1h                # ran at least this long in the environment before
//	    retention:
//	      previous: warm          # the replaced release's replicas: warm (running, out of traffic),
//	                              # stopped (default) or removed
//	      releases: 3             # rollback candidates `bake gc` keeps; default 3
//	    targets:                  # image name -> target
//	      hello:
//	        type: docker          # default; or asg (below)
//	        replicas: 2           # 1..20, default 1
//	        listen: 127.0.0.1:8101  # required; loopback, unique, not the registry's or front door's
//	        health_timeout: 60s   # default 60s
//	        strategy: rolling     # blue-green (default): all new replicas, then one switch;
//	                              # rolling: one replica at a time, each health-gated
//	        min_healthy: 1        # rolling only; healthy replicas in traffic never fewer; default replicas
//	        watch: 30s            # after the switch, watch health this long; on failure switch back
//	      web:
//	        listen: 127.0.0.1:8102
//	        replicas: 2
//	        strategy: canary      # new replicas beside the old, a growing share of requests, judged each step
//	        steps:                # required with canary, only with it; 1..10 steps
//	          - weight: 10        # percent of requests to the new release, 1..99, rising step by step
//	            pause: 1m         # how long the step lasts, analysed throughout; > 0
//	          - {weight: 50, pause: 2m}   # after the last step, all requests go to the new release
//	        analysis:             # optional, canary only; percentages are written with a % sign
//	          interval: 5s        # how often a step is analysed; default 5s, 1s..1m
//	          min_requests: 50    # canary responses a step needs before a verdict; default 50 (0: by time)
//	          max_error_rate_increase: 1%  # canary 5xx rate minus the old release's, in points; default 1%
//	          max_latency_increase: 25%    # canary median latency over the old release's; default 25%
//	          confidence: 95%     # of the statistical tests; default 95%, 50%..99.99%
//	          prometheus: http://127.0.0.1:9090  # optional; a Prometheus on loopback
//	          queries:            # required with prometheus, only with it
//	            - name: error-ratio           # unique; what a failure names
//	              query: '(sum(rate(http_requests_total{version="{{ .Version }}",code=~"5.."}[1m])) or vector(0)) / sum(rate(http_requests_total{version="{{ .Version }}"}[1m]))'
//	              max: 0.01                   # max, min or both; the query may use
//	                                          # {{ .Image }}, {{ .Env }}, {{ .Version }}, {{ .Baseline }};
//	                                          # "or vector(0)": no 5xx series yet is 0 errors, not "no data"
//	      web-ami:
//	        type: asg             # an Auto Scaling group per release, blue/green
//	        replicas: 3           # the group's size
//	        target_groups: ["arn:aws:elasticloadbalancing:...:targetgroup/web/..."]  # required
//	        group: web-prod       # name prefix, "<group>-v<version>"; default <project>-<env>-<image>
//	        subnets: [subnet-1]   # default: the default VPC's
//	        instance_type: t3.micro  # the default
//	        security_groups: [sg-1]  # default: the VPC's default group
//	        instance_profile: web    # IAM instance profile of the instances; default none
//	      api:
//	        type: kubernetes      # a Deployment per release behind the environment's Service
//	        kubeconfig: ~/.kube/config  # default: the KUBECONFIG chain, else ~/.kube/config
//	        context: prod-cluster # default: the kubeconfig's current context
//	        namespace: shop-prod  # default <project>-<env>, created when missing; not shared by
//	                              # two environments for one image
//	        service: api          # the Service traffic goes through; default the image's name
//	        service_port: 80      # the default
//	        port: 8080            # the container's; default the image's port
//	        replicas: 2
//	        strategy: blue-green  # or rolling (the Deployment's own rolling update), or canary:
//	                              # judged by analysis.prometheus queries only (no front door)
//	        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
//	        pod:                  # strategic-merge patch of the pod template, read as a PodTemplateSpec;
//	          metadata: {annotations: {team: shop}}  # not bake.dev/ labels or annotations
//	          spec:
//	            serviceAccountName: api
//	            containers: [{name: app, env: [{name: MODE, value: prod}]}]  # by name; not app's image
//	      worker:
//	        type: ecs             # an ECS service per release behind a load balancer listener, blue/green
//	        replicas: 2           # the service's desired count
//	        cluster: shop         # required; name or ARN
//	        listener: "arn:aws:elasticloadbalancing:...:listener/app/web/..."  # required; or a
//	                              # listener-rule ARN: the forward action bake points at each release
//	        target_group: "arn:aws:elasticloadbalancing:...:targetgroup/web/..."  # required; a template
//	                              # each release gets a copy of
//	        service: worker       # name prefix, "<service>-v<version>"; default the image's name
//	        launch_type: FARGATE  # the default; or EC2
//	        network_mode: awsvpc  # the default; bridge only with EC2
//	        subnets: [subnet-1]   # awsvpc; default: the default VPC's
//	        security_groups: [sg-1]  # awsvpc; default: the VPC's default group
//	        assign_public_ip: true   # Fargate only
//	        cpu: 512              # default 256; on Fargate memory must be a size AWS offers with it
//	        memory: 1024          # MiB, default 512
//	        port: 8080            # the container's; default the image's port
//	        execution_role: arn:aws:iam::123456789012:role/ecs-exec  # pulls the image, writes logs
//	        task_role: arn:aws:iam::123456789012:role/worker         # the app's own AWS calls
//
// An image that a docker target runs needs a port and an http check: the
// first http check is what a deployment waits on before switching traffic.
// An asg target waits on its load-balancer target groups' health instead,
// a kubernetes target on its Deployment's readiness, an ecs target on its
// tasks' health in its own copy of the target group.
//
// Every error wraps ErrInvalid and says where the problem is:
//
//	bake.yaml:7:5: images.hello.tempalte: unknown key; did you mean "template"?
package config
