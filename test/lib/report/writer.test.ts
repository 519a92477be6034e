import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Backend } from '../../../lib/api/backend';
import { buildReport } from '../../../lib/report/build';
import {
  EffectivePolicyReportPlugin,
  REPORT_JSON_FILE,
  REPORT_MARKDOWN_FILE,
} from '../../../lib/report/writer';
import { gatewayWith, synthAssembly, validator } from './fixtures';

describe('EffectivePolicyReportPlugin', () => {
  test('writes the report next to the templates on synth', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-writer-')) });
    Validations.of(app).addPlugins(new EffectivePolicyReportPlugin());

    const assembly = synthAssembly((stack) => {
      gatewayWith(stack, validator(stack))
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: Backend.mock() });
    }, app);

    const written = JSON.parse(readFileSync(join(assembly, REPORT_JSON_FILE), 'utf8'));
    expect(written).toEqual(buildReport(assembly));
    expect(readFileSync(join(assembly, REPORT_MARKDOWN_FILE), 'utf8')).toContain(
      '#### GET /orders',
    );
  });
});
