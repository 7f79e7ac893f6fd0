package main

import (
	"path"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The manifests' objects, built from the k8s.io/api types.

// Names of the pods' volumes.
const (
	k8sVolRuns   = "runs"
	k8sVolShared = "codetree-shared"
	k8sVolDocker = "docker-data"
	k8sVolSocket = "docker-socket"
)

// sharedBinary is the runner binary's copy in k8sSharedDir, per Job: a
// node's pods of one Job share it (with the node's Docker), never those
// of another Job, which may run another codetree.
func (o *k8sOptions) sharedBinary() string {
	return path.Join(k8sSharedDir, "bin", o.Name, "codetree")
}

// podDockerHost is DOCKER_HOST in the pods.
func (o *k8sOptions) podDockerHost() string {
	if o.DockerHost == k8sDind {
		return "unix://" + path.Join(k8sSharedDir, "docker.sock")
	}
	return o.DockerHost
}

// indexedJob is the Job of the shards: pod I runs shard I/N. Its init
// containers install the runner binary in the shared folder, start the
// dind sidecar (with --docker-host dind) and build the sandbox images
// the daemon lacks; then the task runs.
func (o *k8sOptions) indexedJob() *batchv1.Job {
	j := o.Job
	bin := o.sharedBinary()
	dockerEnv := []corev1.EnvVar{{Name: "DOCKER_HOST", Value: o.podDockerHost()}, {Name: "TMPDIR", Value: path.Join(k8sSharedDir, "tmp")}}
	shared := corev1.VolumeMount{Name: k8sVolShared, MountPath: k8sSharedDir}
	dockerMounts, volumes, sidecars := o.dockerAccess(shared)
	install := corev1.Container{
		Name:         "install-runner",
		Image:        o.Image,
		Command:      []string{o.CodetreePath, "k8s", "install-runner", "--to", bin, "--tmp", path.Join(k8sSharedDir, "tmp")},
		VolumeMounts: []corev1.VolumeMount{shared},
	}
	images := o.imagesContainer(bin, dockerEnv, dockerMounts)
	task := corev1.Container{
		Name:         "codetree",
		Image:        o.Image,
		Command:      j.taskCommand(bin),
		WorkingDir:   o.MountPath,
		Env:          append(slices.Clone(dockerEnv), o.apiKeyEnv()...),
		VolumeMounts: append([]corev1.VolumeMount{o.runsMount()}, dockerMounts...),
	}
	spec := corev1.PodSpec{
		RestartPolicy:  corev1.RestartPolicyNever, // backoffLimitPerIndex needs it
		InitContainers: slices.Concat([]corev1.Container{install}, sidecars, []corev1.Container{images}),
		Containers:     []corev1.Container{task},
		Volumes:        append([]corev1.Volume{o.runsVolume()}, volumes...),
	}
	mode := batchv1.IndexedCompletion
	job := o.jobObject(o.Name, "shard", spec)
	job.Spec.CompletionMode = &mode
	job.Spec.Completions = ptr(int32(j.Shards))
	job.Spec.Parallelism = ptr(int32(o.Parallelism))
	job.Spec.BackoffLimitPerIndex = ptr(int32(o.Retries))
	return job
}

// imagesContainer puts the sandbox images in the pod's Docker: loads
// --images-tar with the Docker client of the dind image, or builds them
// with codetree (skipped for the images the daemon has).
func (o *k8sOptions) imagesContainer(bin string, env []corev1.EnvVar, mounts []corev1.VolumeMount) corev1.Container {
	if o.ImagesTar != "" {
		return corev1.Container{
			Name:         "images",
			Image:        o.DindImage,
			Command:      []string{"docker", "load", "--quiet", "--input", o.ImagesTar},
			Env:          env,
			VolumeMounts: append([]corev1.VolumeMount{o.runsMount()}, mounts...),
		}
	}
	return corev1.Container{
		Name:         "images",
		Image:        o.Image,
		Command:      append([]string{bin, "images", "build", "--quiet"}, clusterKinds[o.Job.Kind].images...),
		Env:          env,
		VolumeMounts: mounts,
	}
}

// dockerAccess is how the pods reach Docker: the mounts of the containers
// that use it (the shared folder among them), the volumes, and the
// sidecar with --docker-host dind.
func (o *k8sOptions) dockerAccess(shared corev1.VolumeMount) ([]corev1.VolumeMount, []corev1.Volume, []corev1.Container) {
	if o.DockerHost == k8sDind {
		return []corev1.VolumeMount{shared}, []corev1.Volume{
			{Name: k8sVolShared, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: k8sVolDocker, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		}, []corev1.Container{o.dindSidecar()}
	}
	sock := strings.TrimPrefix(o.DockerHost, "unix://")
	return []corev1.VolumeMount{shared, {Name: k8sVolSocket, MountPath: sock}}, []corev1.Volume{
		hostPathVolume(k8sVolShared, k8sSharedDir, corev1.HostPathDirectoryOrCreate),
		hostPathVolume(k8sVolSocket, sock, corev1.HostPathSocket),
	}, nil
}

// dindSidecar is Docker-in-Docker as a native sidecar (an init container
// that keeps running, Kubernetes 1.29+), so the Job completes when the
// task ends; its startup probe holds the next init containers back
// until the daemon answers. It sees the shared folder and the volume at the task's paths.
func (o *k8sOptions) dindSidecar() corev1.Container {
	sock := o.podDockerHost()
	return corev1.Container{
		Name:          "docker",
		Image:         o.DindImage,
		RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways),
		Args:          []string{"dockerd", "--host=" + sock},
		// No TLS certificates: the daemon listens on the shared socket only.
		Env:             []corev1.EnvVar{{Name: "DOCKER_TLS_CERTDIR", Value: ""}},
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)},
		StartupProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"docker", "--host", sock, "version"}}},
			PeriodSeconds:    2,
			FailureThreshold: 90,
		},
		VolumeMounts: []corev1.VolumeMount{o.runsMount(), {Name: k8sVolShared, MountPath: k8sSharedDir}, {Name: k8sVolDocker, MountPath: "/var/lib/docker"}},
	}
}

// mergeJob is the Job that merges the shards into Out, applied after
// the Indexed Job completed.
func (o *k8sOptions) mergeJob() *batchv1.Job {
	spec := corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{
			Name:         "merge",
			Image:        o.Image,
			Command:      o.Job.mergeCommandLine(o.CodetreePath),
			WorkingDir:   o.MountPath,
			VolumeMounts: []corev1.VolumeMount{o.runsMount()},
		}},
		Volumes: []corev1.Volume{o.runsVolume()},
	}
	job := o.jobObject(o.Name+"-merge", "merge", spec)
	job.Spec.BackoffLimit = ptr(int32(1))
	return job
}

// jobObject is a Job of the run with pod spec spec.
func (o *k8sOptions) jobObject(name, component string, spec corev1.PodSpec) *batchv1.Job {
	labels := map[string]string{
		"app.kubernetes.io/name":      "codetree",
		"app.kubernetes.io/instance":  o.Name,
		"app.kubernetes.io/component": component,
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       spec,
		}},
	}
}

// apiKeyEnv is OPENAI_API_KEY from the Secret, never a literal.
func (o *k8sOptions) apiKeyEnv() []corev1.EnvVar {
	if o.APIKeySecret == "" {
		return nil
	}
	return []corev1.EnvVar{{Name: "OPENAI_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: o.APIKeySecret}, Key: "OPENAI_API_KEY"}}}}
}

func (o *k8sOptions) runsMount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: k8sVolRuns, MountPath: o.MountPath}
}

func (o *k8sOptions) runsVolume() corev1.Volume {
	return corev1.Volume{Name: k8sVolRuns, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Claim}}}
}

func hostPathVolume(name, p string, t corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p, Type: &t}}}
}

// ptr is a pointer to v, for the API's optional fields.
func ptr[T any](v T) *T { return &v }
