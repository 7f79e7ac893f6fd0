package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// k8sFlags are codetree k8s's own flags; every other flag goes to the
// sharded command.
var k8sFlags = []clusterFlag{
	{Name: "shards", Usage: "number of shards: the Indexed Job's completions, indexes 0 to N-1 (required)"},
	{Name: "container-image", Usage: "image of the tasks, holding a static codetree binary at --codetree-path (required; bench's --image is the sandbox's)"},
	{Name: "volume-claim", Usage: "PersistentVolumeClaim holding the run folders and the dataset files, ReadWriteMany when the pods may land on several nodes (required)"},
	{Name: "docker-host", Usage: "Docker of the tasks: dind (a Docker-in-Docker sidecar in each pod, privileged; Kubernetes 1.29+) or unix:///PATH (the node's daemon, through a hostPath socket) (required)"},
	{Name: "mount-path", Usage: "where the claim is mounted and the tasks' working folder: relative --out and --data-dir are on the volume (default " + k8sDefaultMountPath + ")"},
	{Name: "images-tar", Usage: "docker save archive of the sandbox images on the volume (from --mount-path): the pods load it; without it they build the images, which needs mmdebstrap and root in --container-image"},
	{Name: "api-key-secret", Usage: "Secret whose key OPENAI_API_KEY the tasks get as OPENAI_API_KEY (default: none, for local servers and --model sim)"},
	{Name: "namespace", Usage: "namespace of the Jobs (default: kubectl's current one)"},
	{Name: "name", Usage: "Job name, a DNS-1123 label; the merge Job is NAME-merge (default codetree-KIND-OUT-HASH)"},
	{Name: "parallelism", Usage: "shards running at once (default: all of them)"},
	{Name: "retries", Usage: "retries of a failed shard, each resuming it (backoffLimitPerIndex; default " + strconv.Itoa(k8sDefaultRetries) + ")"},
	{Name: "codetree-path", Usage: "the codetree binary in --container-image (default " + k8sDefaultCodetreePath + ")"},
	{Name: "dind-image", Usage: "image of the dind sidecar, and of the Docker client loading --images-tar (default " + k8sDefaultDindImage + ")"},
	{Name: "manifest-dir", Usage: "local folder the two manifests are written to (default: the current folder)"},
}

// Defaults of the own flags, and the pods' fixed layout.
const (
	k8sDefaultMountPath    = "/work"
	k8sDefaultRetries      = 2
	k8sDefaultCodetreePath = "/usr/local/bin/codetree"
	k8sDefaultDindImage    = "docker:28-dind"
	// k8sSharedDir is a folder at the same path in the task and in its
	// Docker daemon's file system: the sandbox bind-mounts the runner
	// binary (the running codetree) and its job sockets (in TMPDIR) into
	// the sandbox containers, so the daemon must see both where the task
	// sees them. An emptyDir shared with the dind sidecar, or a hostPath
	// for the node's daemon.
	k8sSharedDir = "/var/lib/codetree"
	// k8sDind is the --docker-host value of the sidecar.
	k8sDind = "dind"
	// k8sIndexLabel is the label of an Indexed Job's pod with its index.
	k8sIndexLabel = "batch.kubernetes.io/job-completion-index"
	// k8sMaxName is the longest DNS-1123 label.
	k8sMaxName = validation.DNS1123LabelMaxLength
)

func k8sCommand() *cli.Command {
	var subs []*cli.Command
	for _, kind := range []string{"bench", "eval", "swe"} {
		subs = append(subs, &cli.Command{
			Name:  kind,
			Usage: fmt.Sprintf("write a Kubernetes Indexed Job running codetree %s in --shards N pods, and its merge Job", strings.Join(clusterKinds[kind].words, " ")),
			ArgsUsage: "--shards N --container-image IMG --volume-claim PVC --docker-host dind|unix:///PATH [own flags] " +
				kind + "'s flags...",
			Description: "Writes two manifests and prints how to apply them; it talks to no cluster. NAME.yaml is\n" +
				"an Indexed Job: pod I runs shard I/N into OUT/shard-I-of-N on the volume (the index\n" +
				"from JOB_COMPLETION_INDEX); a failed shard is retried --retries times, resuming it.\n" +
				"NAME-merge.yaml runs codetree merge into OUT: apply it once the first Job is complete.\n" +
				"Paths in " + kind + "'s flags are the pods' (relative ones from --mount-path); the\n" +
				"pods do not see this shell's environment: pass flags, not CODETREE_*/OPENAI_*\n" +
				"variables, and the API key through --api-key-secret. Own flags:\n" + clusterFlagsHelp(k8sFlags),
			SkipFlagParsing: true,
			Action: func(c *cli.Context) error {
				if args := c.Args().Slice(); slices.Contains(args, "--help") || slices.Contains(args, "-h") {
					return cli.ShowSubcommandHelp(c) // flags are not parsed: --help is an argument
				}
				o, err := k8sOptionsFrom(c.Context, kind, c.Args().Slice())
				if err != nil {
					return err
				}
				return runK8s(o, c.App.Writer)
			},
		})
	}
	subs = append(subs, installRunnerCommand())
	return &cli.Command{
		Name:        "k8s",
		Usage:       "run bench, eval or swe run on Kubernetes: write an Indexed Job of shards and a merge Job",
		Subcommands: subs,
	}
}

// installRunnerCommand is the pods' first init container: it copies the
// codetree binary into the folder the Docker daemon shares (k8sSharedDir)
// and makes the tasks' TMPDIR there.
func installRunnerCommand() *cli.Command {
	return &cli.Command{
		Name:   "install-runner",
		Usage:  "copy this codetree binary to --to and make the folder --tmp (run by the pods of codetree k8s)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Required: true, Usage: "path of the copy"},
			&cli.StringFlag{Name: "tmp", Required: true, Usage: "folder to make, the tasks' TMPDIR"},
		},
		Action: func(c *cli.Context) error {
			exe, err := codetreePath()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(c.String("tmp"), 0o1777); err != nil {
				return fmt.Errorf("create %s: %w", c.String("tmp"), err)
			}
			return copyExecutable(exe, c.String("to"))
		},
	}
}

// copyExecutable copies src to dst through a temporary file and a rename,
// so that pods of one node sharing dst never see half a binary.
func copyExecutable(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open the codetree binary: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".codetree-*")
	if err != nil {
		return fmt.Errorf("copy the codetree binary: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("copy the codetree binary: %w", err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("copy the codetree binary: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("copy the codetree binary: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("install the codetree binary: %w", err)
	}
	return nil
}

// k8sOptions is what codetree k8s writes its manifests from.
type k8sOptions struct {
	// Job is the sharded run; its Out is the pods' absolute path of the
	// merged run folder, on the volume.
	Job *clusterJob
	// Image is the tasks' image, CodetreePath the binary in it.
	Image, CodetreePath string
	// Claim is mounted at MountPath, the tasks' working folder.
	Claim, MountPath string
	// DockerHost is k8sDind or a unix:// address on the node.
	DockerHost, DindImage string
	// ImagesTar is the pods' path of a docker save archive of the
	// sandbox images; empty: the pods build them.
	ImagesTar string
	// APIKeySecret holds OPENAI_API_KEY; empty: no key.
	APIKeySecret string
	Namespace    string
	Name         string
	// Parallelism is the shards run at once, Retries the retries of each.
	Parallelism, Retries int
	ManifestDir          string
}

// k8sOptionsFrom reads `codetree k8s KIND ARGS...`: the own flags, then
// the sharded command's flags, checked as that command checks them.
func k8sOptionsFrom(ctx context.Context, kind string, args []string) (*k8sOptions, error) {
	if err := checkK8sArgs(args); err != nil {
		return nil, err
	}
	job, err := newClusterJob(ctx, kind, args, k8sFlags)
	if err != nil {
		return nil, err
	}
	if err := checkPodEnv(kind, job.Args); err != nil {
		return nil, err
	}
	own := job.Own
	o := &k8sOptions{Job: job, Image: own["container-image"], Claim: own["volume-claim"], DockerHost: own["docker-host"],
		MountPath: orDefault(own["mount-path"], k8sDefaultMountPath), CodetreePath: orDefault(own["codetree-path"], k8sDefaultCodetreePath),
		DindImage: orDefault(own["dind-image"], k8sDefaultDindImage), APIKeySecret: own["api-key-secret"],
		Namespace: own["namespace"], ManifestDir: orDefault(own["manifest-dir"], ".")}
	if err := o.checkRequired(); err != nil {
		return nil, err
	}
	if err := o.readCounts(own); err != nil {
		return nil, err
	}
	// The pods need --out as the sharded command reads it, from the
	// mount path, not made absolute on this machine.
	if job.Out, err = podPath("out", job.OutArg, o.MountPath); err != nil {
		return nil, err
	}
	if tar := own["images-tar"]; tar != "" {
		if o.ImagesTar, err = podPath("images-tar", tar, o.MountPath); err != nil {
			return nil, err
		}
	}
	if o.Name, err = k8sJobName(own["name"], kind, job.Out, job.Shards); err != nil {
		return nil, err
	}
	return o, o.checkNames()
}

// checkK8sArgs refuses what newClusterJob would, with Kubernetes' words:
// no --shards, and an API key on the command line (it belongs in a
// Secret, never in the manifest).
func checkK8sArgs(args []string) error {
	own, rest, err := splitClusterArgs(args, k8sFlags)
	if err != nil {
		return err
	}
	if flagGiven(rest, []string{"api-key"}) {
		return usageErrorf("--api-key: do not put the key on the command line, where it would be written into the manifest; put it in a Secret and give its name: kubectl create secret generic openai --from-literal=OPENAI_API_KEY=\"$OPENAI_API_KEY\", then --api-key-secret openai")
	}
	if own["shards"] == "" {
		return usageErrorf("--shards is required: give the number of shards, one pod each, such as --shards 8")
	}
	return nil
}

// orDefault is v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkRequired checks the required own flags and the paths.
func (o *k8sOptions) checkRequired() error {
	for _, f := range []struct{ name, val, what string }{
		{"container-image", o.Image, "the image holding the codetree binary, such as registry.example.com/codetree:v1"},
		{"volume-claim", o.Claim, "the PersistentVolumeClaim holding the run folders and the datasets"},
		{"docker-host", o.DockerHost, "dind (a Docker-in-Docker sidecar per pod) or unix:///var/run/docker.sock (the node's Docker)"},
	} {
		if strings.TrimSpace(f.val) == "" {
			return usageErrorf("--%s is required: give %s", f.name, f.what)
		}
	}
	if o.DockerHost != k8sDind && !strings.HasPrefix(o.DockerHost, "unix:///") {
		return usageErrorf("--docker-host %q: give dind or unix:///PATH; the sandbox bind-mounts files of the task (its runner binary, its sockets), which only a daemon sharing the pod's files sees, so a daemon in another pod (tcp://) cannot serve it", o.DockerHost)
	}
	for name, p := range map[string]string{"mount-path": o.MountPath, "codetree-path": o.CodetreePath} {
		if !path.IsAbs(p) {
			return usageErrorf("--%s %q: want an absolute path in the container", name, p)
		}
	}
	if o.MountPath == "/" || strings.HasPrefix(path.Clean(o.MountPath)+"/", k8sSharedDir+"/") {
		return usageErrorf("--mount-path %q: choose a folder of its own, such as %s", o.MountPath, k8sDefaultMountPath)
	}
	o.MountPath = path.Clean(o.MountPath)
	return nil
}

// readCounts reads --parallelism and --retries.
func (o *k8sOptions) readCounts(own map[string]string) error {
	n := o.Job.Shards
	o.Parallelism, o.Retries = n, k8sDefaultRetries
	for _, f := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"parallelism", &o.Parallelism, 1, n}, {"retries", &o.Retries, 0, 100}} {
		v, ok := own[f.name]
		if !ok {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < f.min || i > f.max {
			return usageErrorf("--%s %q: want a whole number from %d to %d", f.name, v, f.min, f.max)
		}
		*f.dst = i
	}
	return nil
}

// checkNames checks the names Kubernetes will validate, so that kubectl
// apply does not refuse the manifests.
func (o *k8sOptions) checkNames() error {
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return usageErrorf("--namespace %q: %s", o.Namespace, strings.Join(errs, "; "))
		}
	}
	for flag, v := range map[string]string{"volume-claim": o.Claim, "api-key-secret": o.APIKeySecret} {
		if v == "" {
			continue
		}
		if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
			return usageErrorf("--%s %q: not a Kubernetes object name: %s", flag, v, strings.Join(errs, "; "))
		}
	}
	return nil
}

// checkPodEnv refuses flags of the sharded command that this shell's
// environment sets (such as CODETREE_MODEL for --model): they passed the
// check here, but the pods do not see this environment. The API key is
// left out: it comes from --api-key-secret.
func checkPodEnv(kind string, args []string) error {
	cmd, err := shardedCommand(kind)
	if err != nil {
		return err
	}
	for _, f := range cmd.Flags {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok || slices.Contains(f.Names(), "api-key") || flagGiven(args, f.Names()) {
			continue
		}
		for _, env := range df.GetEnvVars() {
			if os.Getenv(env) != "" {
				return usageErrorf("%s is set in this shell, but the pods do not see this shell's environment: pass --%s on the command line, or unset %s",
					env, f.Names()[0], env)
			}
		}
	}
	return nil
}

// shardedCommand is the command kind shards, for its flags.
func shardedCommand(kind string) (*cli.Command, error) {
	switch kind {
	case "bench":
		return newBenchCommand(nil), nil
	case "eval":
		return newEvalCommand(nil), nil
	case "swe":
		return newSweRunCommand(nil), nil
	}
	return nil, usageErrorf("%q cannot be sharded: use bench, eval or swe", kind)
}

// flagGiven reports whether args hold one of the names as a flag.
func flagGiven(args, names []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		return strings.HasPrefix(a, "-") && slices.Contains(names, name)
	})
}

// podPath is flag's path p as the pods see it: relative paths are from
// mount, the working folder; the path must be on the volume (a run
// folder elsewhere would be lost with its pod).
func podPath(flag, p, mount string) (string, error) {
	abs := p
	if !path.IsAbs(p) {
		abs = path.Join(mount, p)
	}
	abs = path.Clean(abs)
	if !strings.HasPrefix(abs, mount+"/") {
		return "", usageErrorf("--%s %s: must be on the volume, under --mount-path %s; give a path relative to the volume's top folder", flag, p, mount)
	}
	return abs, nil
}

// k8sJobName is the Job's name: name if given, else
// codetree-KIND-OUT-HASH, with OUT the run folder's last element and HASH
// its pod path's, so that two runs get two Jobs. The merge Job adds
// -merge, and the pods' host names -INDEX: both must stay DNS-1123
// labels.
func k8sJobName(name, kind, out string, shards int) (string, error) {
	maxLen := min(k8sMaxName-len("-merge"), k8sMaxName-1-len(strconv.Itoa(shards-1)))
	if name != "" {
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 || len(name) > maxLen {
			return "", usageErrorf("--name %q: want a DNS-1123 label (lower-case letters, digits and '-', a letter or digit at both ends) of at most %d characters", name, maxLen)
		}
		return name, nil
	}
	sum := sha256.Sum256([]byte(kind + "\x00" + out))
	hash := hex.EncodeToString(sum[:])[:6]
	base := "codetree-" + kind + "-" + dnsSlug(path.Base(out))
	base = strings.TrimRight(base[:min(len(base), maxLen-len(hash)-1)], "-")
	return base + "-" + hash, nil
}

// dnsSlug is s in lower case with every run of other characters than
// letters and digits made one '-'.
func dnsSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// runK8s writes the two manifests and prints how to use them.
func runK8s(o *k8sOptions, w io.Writer) error {
	jobFile := filepath.Join(o.ManifestDir, o.Name+".yaml")
	mergeFile := filepath.Join(o.ManifestDir, o.Name+"-merge.yaml")
	if err := os.MkdirAll(o.ManifestDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", o.ManifestDir, err)
	}
	if err := writeManifest(jobFile, o.indexedJob()); err != nil {
		return err
	}
	if err := writeManifest(mergeFile, o.mergeJob()); err != nil {
		return err
	}
	printK8sSteps(w, o, jobFile, mergeFile)
	return nil
}

// writeManifest writes obj as YAML.
func writeManifest(file string, obj any) error {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s: %w", file, err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	return nil
}

// printK8sSteps prints how to apply, follow and merge the run.
func printK8sSteps(w io.Writer, o *k8sOptions, jobFile, mergeFile string) {
	j, ns := o.Job, ""
	if o.Namespace != "" {
		ns = " -n " + o.Namespace
	}
	fmt.Fprintf(w, "wrote %s (Indexed Job %s: %d shards, %d at once) and %s (its merge Job)\n", jobFile, o.Name, j.Shards, o.Parallelism, mergeFile)
	if o.APIKeySecret == "" {
		fmt.Fprintf(w, "note:   no --api-key-secret: the pods have no OPENAI_API_KEY (fine for a local server or --model sim)\n")
	} else {
		fmt.Fprintf(w, "secret: the pods read OPENAI_API_KEY from Secret %s; make it once with\n        kubectl%s create secret generic %s --from-literal=OPENAI_API_KEY=\"$OPENAI_API_KEY\"\n", o.APIKeySecret, ns, o.APIKeySecret)
	}
	if o.ImagesTar == "" {
		fmt.Fprintf(w, "note:   no --images-tar: each pod builds the sandbox images (mmdebstrap and root in the image, a Debian mirror);\n        to load them instead: docker save -o VOLUME/images.tar TAGS (codetree images list: CURRENT ones), --images-tar images.tar\n")
	}
	fmt.Fprintf(w, "run:    kubectl%s apply -f %s\n", ns, jobFile)
	fmt.Fprintf(w, "follow: kubectl%s get pods -l job-name=%s -L %s\n", ns, o.Name, k8sIndexLabel)
	fmt.Fprintf(w, "        kubectl%s logs -f -c codetree -l job-name=%s,%s=I    (shard I)\n", ns, o.Name, k8sIndexLabel)
	fmt.Fprintf(w, "wait:   kubectl%s wait --for=condition=complete --timeout=24h job/%s\n", ns, o.Name)
	fmt.Fprintf(w, "merge:  kubectl%s apply -f %s && kubectl%s wait --for=condition=complete --timeout=1h job/%s-merge && kubectl%s logs job/%s-merge\n",
		ns, mergeFile, ns, o.Name, ns, o.Name)
	byHand := *j
	byHand.Out = strings.TrimPrefix(j.Out, o.MountPath+"/")
	fmt.Fprintf(w, "        (or by hand, in the volume's top folder wherever it is mounted: %s)\n", shellLine(byHand.mergeCommandLine("codetree")))
	fmt.Fprintf(w, "result: %s on volume %s (the merged run, with report.html)\n", j.Out, o.Claim)
	fmt.Fprintf(w, "a shard still failing after %d retries (kubectl%s get job %s -o jsonpath='{.status.failedIndexes}'): fix the cause,\n", o.Retries, ns, o.Name)
	fmt.Fprintf(w, "        then kubectl%s delete job %s and apply %s again (each shard continues its folder),\n", ns, o.Name, jobFile)
	fmt.Fprintf(w, "        or run shard I by hand, in the volume's top folder: %s\n", shellLine(handShardCommand(j)))
}

// handShardCommand is the task's command line for shard I of N, to run
// by hand.
func handShardCommand(j *clusterJob) []string {
	cmd := j.taskCommand("codetree")
	i := 1 + len(clusterKinds[j.Kind].words) + len(j.Args) // "--shard", then N
	cmd[i+1] = fmt.Sprintf("I/%d", j.Shards)
	return cmd
}
