// Stand-in for actions/github-script: the same globals, from the same npm packages.
// node_modules comes from package.json, installed by tests/workflows/act/harness.py.
const path = require('path');
const core = require('@actions/core');
const github = require('@actions/github');

async function main() {
  const script = core.getInput('script', { required: true });
  const token = core.getInput('github-token');
  const encoding = core.getInput('result-encoding') || 'json';
  // getOctokit takes its base URL from GITHUB_API_URL, as on a GitHub runner.
  const octokit = github.getOctokit(token);
  const workspaceRequire = (id) => {
    if (id.startsWith('./') || id.startsWith('../')) {
      return require(path.resolve(process.env.GITHUB_WORKSPACE || process.cwd(), id));
    }
    return require(id);
  };
  const AsyncFunction = Object.getPrototypeOf(async () => null).constructor;
  const fn = new AsyncFunction('require', 'github', 'octokit', 'context', 'core', script);
  const result = await fn(workspaceRequire, octokit, octokit, github.context, core);
  const output = encoding === 'string' ? String(result ?? '') : JSON.stringify(result ?? null);
  core.setOutput('result', output);
}

main().catch((error) => {
  core.setFailed(`Unhandled error: ${error && error.status ? `HTTP ${error.status} ` : ''}${error}`);
});
