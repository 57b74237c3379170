// What the extension manifest promises about where it runs (issue 20 §3): next to the files (Remote-SSH, WSL,
// containers run workspace extensions on the remote side, VS Code docs "Supporting Remote Development": an
// extension that reads workspace files declares extensionKind "workspace"), in untrusted and virtual workspaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { analyze } from '../../src/core/analyze';
import { repoPath } from '../support/paths';

const manifest = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
  extensionKind?: string[];
  capabilities?: { untrustedWorkspaces?: { supported?: boolean | string }; virtualWorkspaces?: boolean };
};

test('the extension runs where the launch files are, and in untrusted and virtual workspaces', () => {
  // It reads the files of the workspace and never runs them, so it belongs on the workspace side of a remote
  // connection, and restricted mode has nothing to withhold.
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, true);
  assert.equal(manifest.capabilities?.virtualWorkspaces, true);
});

interface Walkthrough {
  steps: {
    id: string;
    description: string;
    media: { markdown?: string; image?: string };
    completionEvents?: string[];
  }[];
}

test('the walkthrough: every step has its page, and every command it links to exists', () => {
  const full = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
    icon?: string;
    contributes: { commands: { command: string }[]; walkthroughs: Walkthrough[] };
  };
  const ours = new Set(full.contributes.commands.map((c) => c.command));
  // VS Code's own commands the steps may link to.
  const builtIn = new Set(['editor.action.quickFix']);
  const [walkthrough] = full.contributes.walkthroughs;
  assert.ok(walkthrough);
  assert.deepEqual(
    walkthrough.steps.map((s) => s.id),
    ['openExample', 'timeline', 'fixOom', 'compare'],
  );
  for (const step of walkthrough.steps) {
    const page = step.media.markdown ?? step.media.image ?? '';
    assert.ok(existsSync(repoPath(page)), `${step.id}: ${page} is missing`);
    const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] ?? '');
    assert.ok(linked.length > 0, `${step.id} links to a command`);
    for (const c of [...linked, ...(step.completionEvents ?? []).map((e) => e.replace(/^onCommand:/, ''))])
      assert.ok(ours.has(c) || builtIn.has(c), `${step.id}: ${c} is not a command`);
  }
  // The marketplace icon is a real PNG of at least 128×128 (its IHDR width and height, big-endian at bytes 16-23).
  const png = readFileSync(repoPath(full.icon ?? ''));
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128);
});

test('the walkthrough tells the truth about the example: PP_SP is on line 18 and k = 1 runs out of memory', () => {
  // media/walkthrough/oom.md asks the user to set PP_SP=1 on line 18 of the example and promises an OOM warning.
  const example = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');
  const lines = example.split('\n');
  assert.match(lines[17] ?? '', /^PP_SP=4\b/);
  lines[17] = (lines[17] ?? '').replace('PP_SP=4', 'PP_SP=1');
  const result = analyze(lines.join('\n'), { fileName: 'seq1f1b-30b-64k.sh' });
  const oom = result.diagnostics.find((d) => d.code === 'oom-risk');
  assert.ok(oom, 'an OOM warning appears');
  assert.ok((oom.fixes ?? []).length > 0, 'with a quick fix');
  assert.match(readFileSync(repoPath('media/walkthrough/oom.md'), 'utf8'), /set `PP_SP=1` \(line 18\)/);
});
