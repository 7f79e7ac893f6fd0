package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// testAPIKey is in the environment of the k8s tests: it must appear in
// no manifest and no output.
const testAPIKey = "sk-test-k8s-never-written"

// k8sEnv makes the environment of codetree k8s known: none of the
// variables the sharded commands' flags read, and an API key. The tests
// that use it cannot be parallel (t.Setenv).
func k8sEnv(t *testing.T) {
	for _, kind := range []string{"bench", "eval", "swe"} {
		cmd, err := shardedCommand(kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range cmd.Flags {
			for _, env := range f.(interface{ GetEnvVars() []string }).GetEnvVars() {
				t.Setenv(env, "") // restored after the test
				os.Unsetenv(env)
			}
		}
	}
	t.Setenv("OPENAI_API_KEY", testAPIKey)
}

// runK8sCLI runs codetree k8s with the manifests written into a new folder,
// which it returns with the exit code and the output.
func runK8sCLI(t *testing.T, args ...string) (dir string, code int, stdout, stderr string) {
	t.Helper()
	dir = t.TempDir()
	code, stdout, stderr = runCLI(t, append([]string{"k8s"}, append(args, "--manifest-dir", dir)...)...)
	for _, s := range []string{stdout, stderr} {
		if strings.Contains(s, testAPIKey) {
			t.Errorf("the API key is in the output:\n%s", s)
		}
	}
	return dir, code, stdout, stderr
}

// decodeJob decodes a manifest strictly into the real Job type: a field
// Kubernetes does not know fails the test.
func decodeJob(t *testing.T, file string) *batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(testAPIKey)) {
		t.Errorf("%s holds the API key", file)
	}
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatalf("%s is not YAML: %v", file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var job batchv1.Job
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("%s is not a batch/v1 Job: %v\n%s", file, err, b)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Errorf("%s: apiVersion %q, kind %q", file, job.APIVersion, job.Kind)
	}
	if errs := validation.IsDNS1123Label(job.Name); len(errs) > 0 {
		t.Errorf("%s: Job name %q: %v", file, job.Name, errs)
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never", file, job.Spec.Template.Spec.RestartPolicy)
	}
	return &job
}

// manifests are the Indexed Job's and the merge Job's files in dir.
func manifests(t *testing.T, dir string) (job, merge string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if strings.HasSuffix(f, "-merge.yaml") {
			merge = f
		} else {
			job = f
		}
	}
	if len(files) != 2 || job == "" || merge == "" {
		t.Fatalf("manifests %v: want NAME.yaml and NAME-merge.yaml", files)
	}
	return job, merge
}

func container(t *testing.T, cs []corev1.Container, name string) corev1.Container {
	t.Helper()
	i := slices.IndexFunc(cs, func(c corev1.Container) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("no container %q", name)
	}
	return cs[i]
}

func mountPath(c corev1.Container, volume string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	return ""
}

func envVar(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// TestK8sBench writes the manifests of a 4-shard bench with a dind
// sidecar and checks them as Kubernetes would read them.
func TestK8sBench(t *testing.T) {
	k8sEnv(t)
	user := []string{"--model", "sim", "--dataset", "humaneval", "--limit", "8", "--data-dir", "data", "--out", "runs/k8s-test"}
	dir, code, stdout, stderr := runK8sCLI(t, append([]string{"bench", "--shards", "4", "--container-image", "reg.example/codetree:v1",
		"--volume-claim", "codetree-runs", "--docker-host", "dind", "--api-key-secret", "openai", "--namespace", "ml",
		"--parallelism", "2", "--retries", "3"}, user...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	jobFile, mergeFile := manifests(t, dir)
	job := decodeJob(t, jobFile)
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 4 || *s.Parallelism != 2 ||
		s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 3 || job.Namespace != "ml" {
		t.Errorf("Job spec: mode %v, completions %v, parallelism %v, backoffLimitPerIndex %v, namespace %q; want Indexed, 4, 2, 3, ml",
			s.CompletionMode, s.Completions, s.Parallelism, s.BackoffLimitPerIndex, job.Namespace)
	}
	pod := s.Template.Spec
	task := container(t, pod.Containers, "codetree")
	bin := task.Command[0]
	want := slices.Concat([]string{bin, "bench"}, user, []string{"--shard", "4", "--resume"})
	if !slices.Equal(task.Command, want) {
		t.Errorf("task command %q, want %q", task.Command, want)
	}
	if task.Image != "reg.example/codetree:v1" || task.WorkingDir != "/work" || mountPath(task, "runs") != "/work" {
		t.Errorf("task image %q, workingDir %q, volume at %q; want the image, /work, /work", task.Image, task.WorkingDir, mountPath(task, "runs"))
	}
	if v := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool {
		return v.Name == "runs" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "codetree-runs"
	}); v < 0 {
		t.Errorf("no volume of claim codetree-runs: %+v", pod.Volumes)
	}
	checkTaskEnv(t, task, "unix:///var/lib/codetree/docker.sock")
	if k := envVar(task, "OPENAI_API_KEY"); k == nil || k.Value != "" || k.ValueFrom == nil || k.ValueFrom.SecretKeyRef == nil ||
		k.ValueFrom.SecretKeyRef.Name != "openai" || k.ValueFrom.SecretKeyRef.Key != "OPENAI_API_KEY" {
		t.Errorf("OPENAI_API_KEY %+v: want it from Secret openai, key OPENAI_API_KEY", k)
	}

	// The init containers in order: install the runner, Docker, images.
	var names []string
	for _, c := range pod.InitContainers {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"install-runner", "docker", "images"}) {
		t.Errorf("init containers %v", names)
	}
	install := container(t, pod.InitContainers, "install-runner")
	if install.Command[0] != "/usr/local/bin/codetree" || !slices.Contains(install.Command, bin) {
		t.Errorf("install-runner %q: want the image's codetree copying itself to %s", install.Command, bin)
	}
	dind := container(t, pod.InitContainers, "docker")
	if dind.RestartPolicy == nil || *dind.RestartPolicy != corev1.ContainerRestartPolicyAlways || dind.StartupProbe == nil ||
		dind.SecurityContext == nil || !*dind.SecurityContext.Privileged || !slices.Contains(dind.Args, "--host=unix:///var/lib/codetree/docker.sock") {
		t.Errorf("dind sidecar %+v: want a privileged native sidecar with a startup probe on the shared socket", dind)
	}
	// The daemon bind-mounts the runner binary and the run folders: it
	// must see them at the task's paths.
	for _, vol := range []string{"runs", "codetree-shared"} {
		if p := mountPath(dind, vol); p == "" || p != mountPath(task, vol) {
			t.Errorf("volume %s at %q in the sidecar, %q in the task", vol, p, mountPath(task, vol))
		}
	}
	if !strings.HasPrefix(bin, mountPath(task, "codetree-shared")+"/") {
		t.Errorf("the task runs %s, outside the folder it shares with its daemon", bin)
	}
	if images := container(t, pod.InitContainers, "images"); !slices.Equal(images.Command, []string{bin, "images", "build", "--quiet", "python"}) {
		t.Errorf("images command %q", images.Command)
	}

	merge := decodeJob(t, mergeFile)
	if merge.Name != job.Name+"-merge" || merge.Spec.CompletionMode != nil || merge.Spec.Completions != nil {
		t.Errorf("merge Job %q (mode %v, completions %v): want %s-merge, one plain completion", merge.Name, merge.Spec.CompletionMode, merge.Spec.Completions, job.Name)
	}
	mc := container(t, merge.Spec.Template.Spec.Containers, "merge")
	wantMerge := []string{"/usr/local/bin/codetree", "merge", "--out", "/work/runs/k8s-test"}
	for i := range 4 {
		wantMerge = append(wantMerge, fmt.Sprintf("/work/runs/k8s-test/shard-%d-of-4", i))
	}
	if !slices.Equal(mc.Command, wantMerge) || mountPath(mc, "runs") != "/work" {
		t.Errorf("merge command %q (volume at %q), want %q", mc.Command, mountPath(mc, "runs"), wantMerge)
	}

	for _, line := range []string{
		"kubectl -n ml apply -f " + jobFile,
		"kubectl -n ml wait --for=condition=complete --timeout=24h job/" + job.Name,
		"kubectl -n ml apply -f " + mergeFile,
		"-l job-name=" + job.Name + ",batch.kubernetes.io/job-completion-index=I",
		"kubectl -n ml create secret generic openai",
		"codetree bench " + strings.Join(user, " ") + " --shard I/4 --resume",
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("the instructions lack %q:\n%s", line, stdout)
		}
	}
}

// checkTaskEnv checks the task's environment: Docker's address, and
// nothing that would take the shard index from Kubernetes.
func checkTaskEnv(t *testing.T, task corev1.Container, dockerHost string) {
	t.Helper()
	if e := envVar(task, "DOCKER_HOST"); e == nil || e.Value != dockerHost {
		t.Errorf("DOCKER_HOST %+v, want %s", e, dockerHost)
	}
	for _, name := range shardIndexEnv {
		if envVar(task, name) != nil {
			t.Errorf("the task sets %s, the shard index Kubernetes gives", name)
		}
	}
}

// TestK8sKinds writes eval's and swe run's manifests with the node's
// Docker: its socket and the shared folder come from the node, at the
// same paths.
func TestK8sKinds(t *testing.T) {
	k8sEnv(t)
	for _, tc := range []struct {
		kind  string
		words []string
		args  []string
		out   string
		// images is the images init container's command; tar the own
		// flag that makes it load an archive.
		images, tar []string
	}{
		{"eval", []string{"eval"}, []string{"--samples", "runs/x/samples.jsonl", "--dataset", "humaneval", "--data-dir", "data"}, "/data/runs/x/samples_eval",
			[]string{"BIN", "images", "build", "--quiet", "python"}, nil},
		{"swe", []string{"swe", "run"}, []string{"--model", "m", "--instances", "data/swe.jsonl", "--out", "/data/swe"}, "/data/swe",
			[]string{"docker", "load", "--quiet", "--input", "/data/images/all.tar"}, []string{"--images-tar", "images/all.tar"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			dir, code, _, stderr := runK8sCLI(t, slices.Concat([]string{tc.kind, "--shards", "3", "--container-image", "img", "--volume-claim", "c",
				"--docker-host", "unix:///run/docker.sock", "--mount-path", "/data", "--name", "my-run"}, tc.tar, tc.args)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			jobFile, mergeFile := manifests(t, dir)
			job := decodeJob(t, jobFile)
			if job.Name != "my-run" || *job.Spec.Completions != 3 || *job.Spec.Parallelism != 3 {
				t.Errorf("Job %s of %d completions, %d at once; want my-run, 3, 3", job.Name, *job.Spec.Completions, *job.Spec.Parallelism)
			}
			pod := job.Spec.Template.Spec
			task := container(t, pod.Containers, "codetree")
			want := slices.Concat([]string{task.Command[0]}, tc.words, tc.args, []string{"--shard", "3"})
			if !slices.Equal(task.Command, want) || task.WorkingDir != "/data" {
				t.Errorf("task command %q in %s, want %q in /data", task.Command, task.WorkingDir, want)
			}
			checkTaskEnv(t, task, "unix:///run/docker.sock")
			if envVar(task, "OPENAI_API_KEY") != nil || slices.ContainsFunc(pod.InitContainers, func(c corev1.Container) bool { return c.Name == "docker" }) {
				t.Errorf("without --api-key-secret and dind: want no key and no sidecar")
			}
			for vol, p := range map[string]string{"docker-socket": "/run/docker.sock", "codetree-shared": k8sSharedDir} {
				i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == vol })
				if i < 0 || pod.Volumes[i].HostPath == nil || pod.Volumes[i].HostPath.Path != p || mountPath(task, vol) != p {
					t.Errorf("volume %s: want the node's %s at the same path in the task", vol, p)
				}
			}
			images := container(t, pod.InitContainers, "images")
			want = slices.Clone(tc.images)
			if want[0] == "BIN" {
				want[0] = task.Command[0]
			}
			if !slices.Equal(images.Command, want) || mountPath(images, "docker-socket") != "/run/docker.sock" || (tc.tar != nil && mountPath(images, "runs") != "/data") {
				t.Errorf("images command %q, mounts %+v; want %q with the socket (and the volume)", images.Command, images.VolumeMounts, want)
			}
			mc := container(t, decodeJob(t, mergeFile).Spec.Template.Spec.Containers, "merge")
			if len(mc.Command) != 4+3 || mc.Command[3] != tc.out || mc.Command[6] != tc.out+"/shard-2-of-3" {
				t.Errorf("merge command %q: want --out %s and its 3 shards", mc.Command, tc.out)
			}
		})
	}
}

// TestK8sUsageErrors: bad flags exit 2 with what to do, and write nothing.
func TestK8sUsageErrors(t *testing.T) {
	k8sEnv(t)
	ok := []string{"--shards", "2", "--container-image", "img", "--volume-claim", "c", "--docker-host", "dind", "--model", "sim"}
	without := func(flag string) []string {
		i := slices.Index(ok, flag)
		return slices.Delete(slices.Clone(ok), i, i+2)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"no shards", without("--shards"), "", "--shards is required"},
		{"no image", without("--container-image"), "", "--container-image is required"},
		{"no claim", without("--volume-claim"), "", "--volume-claim is required"},
		{"no docker", without("--docker-host"), "", "--docker-host is required"},
		{"tcp docker", append(without("--docker-host"), "--docker-host", "tcp://dind:2375"), "", "give dind or unix:///PATH"},
		{"api key", append(slices.Clone(ok), "--api-key="+testAPIKey), "", "--api-key-secret"},
		{"shard", append(slices.Clone(ok), "--shard", "1/2"), "", "--shard"},
		{"out off the volume", append(slices.Clone(ok), "--out", "/tmp/run"), "", "must be on the volume"},
		{"out above the volume", append(slices.Clone(ok), "--out", "../run"), "", "must be on the volume"},
		{"images off the volume", append(slices.Clone(ok), "--images-tar", "/tmp/images.tar"), "", "--images-tar /tmp/images.tar: must be on the volume"},
		{"bad name", append(slices.Clone(ok), "--name", "My_Run"), "", "DNS-1123 label"},
		{"long name", append(slices.Clone(ok), "--name", strings.Repeat("a", 60)), "", "at most 57"},
		{"bad namespace", append(slices.Clone(ok), "--namespace", "ML"), "", "--namespace"},
		{"parallelism", append(slices.Clone(ok), "--parallelism", "3"), "", "--parallelism"},
		{"retries", append(slices.Clone(ok), "--retries", "-1"), "", "--retries"},
		{"relative mount", append(slices.Clone(ok), "--mount-path", "work"), "", "absolute path"},
		{"bench flag", append(slices.Clone(ok), "--budgte", "3"), "", "budgte"},
		{"model from the shell", without("--model"), "CODETREE_MODEL", "pass --model on the command line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(tc.env, "m")
			}
			dir, code, _, stderr := runK8sCLI(t, append([]string{"bench"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, stderr, exitUsage, tc.want)
			}
			if files, _ := os.ReadDir(dir); len(files) > 0 {
				t.Errorf("a refused command wrote %d files", len(files))
			}
		})
	}
}

// TestK8sJobName: default names are DNS-1123 labels short enough for
// NAME-merge and the pods' host names NAME-INDEX, one per run folder.
func TestK8sJobName(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, out := range []string{"/work/runs/a", "/work/other/a", "/work/runs/" + strings.Repeat("Long_Name.", 12), "/work/runs/--"} {
		for _, shards := range []int{1, 100000} {
			name, err := k8sJobName("", "swe", out, shards)
			if err != nil {
				t.Fatal(err)
			}
			for _, host := range []string{name, name + "-merge", name + "-" + strconv.Itoa(shards-1)} {
				if errs := validation.IsDNS1123Label(host); len(errs) > 0 {
					t.Errorf("out %s, %d shards: %q: %v", out, shards, host, errs)
				}
			}
			if !strings.HasPrefix(name, "codetree-swe-") {
				t.Errorf("name %q", name)
			}
			seen[name] = true
		}
	}
	if a, _ := k8sJobName("", "swe", "/work/runs/a", 4); a == mustName(t, "/work/other/a") || a != "codetree-swe-a-"+a[len(a)-6:] {
		t.Errorf("name %q: want codetree-swe-a-HASH, another for another folder of the same name", a)
	}
}

func mustName(t *testing.T, out string) string {
	t.Helper()
	name, err := k8sJobName("", "swe", out, 4)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// TestCopyExecutable: install-runner's copy is whole and executable.
func TestCopyExecutable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "bin", "job", "codetree")
	for range 2 { // the second replaces the first, as a second pod does
		if err := copyExecutable(src, dst); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(dst)
	fi, _ := os.Stat(dst)
	if err != nil || string(b) != "binary" || fi.Mode().Perm() != 0o755 {
		t.Errorf("copy: %q, %v, mode %v", b, err, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "bin", "job", ".codetree-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestK8sHelp: --help among the unparsed flags shows the own flags.
func TestK8sHelp(t *testing.T) {
	k8sEnv(t)
	dir, code, stdout, stderr := runK8sCLI(t, "swe", "--shards", "2", "--help")
	if code != exitOK || !strings.Contains(stdout, "--volume-claim") || !strings.Contains(stdout, "--api-key-secret") {
		t.Errorf("exit %d, help %q (%s): want the own flags", code, stdout, stderr)
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("--help wrote %d files", len(files))
	}
}
