/** The Docker daemon the tests use: $NEURAL_DOCKER_HOST, else the one .ci/services/docker.sh starts. */
export const TEST_DOCKER_HOST = process.env.NEURAL_DOCKER_HOST ?? "unix:///tmp/neural-docker/docker.sock";
