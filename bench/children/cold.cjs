// Cold-start child: plain CommonJS, so nothing but node itself loads before the bundle.
// It requires one bundle, makes one decision, and reports both times and the CPU time the
// process used for them to the parent.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports */

process.once('message', async ({ bundle, event }) => {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const module = require(bundle);
  const loaded = process.hrtime.bigint();
  let allowed;
  try {
    const response = await module.handler(event);
    const statements =
      (response && response.policyDocument && response.policyDocument.Statement) || [];
    allowed = statements.some((statement) => statement.Effect === 'Allow');
  } catch {
    allowed = false;
  }
  const decided = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  process.send(
    {
      loadMs: Number(loaded - start) / 1e6,
      firstDecisionMs: Number(decided - start) / 1e6,
      firstDecisionCpuMs: (cpu.user + cpu.system) / 1000,
      allowed,
    },
    () => process.exit(0),
  );
});
