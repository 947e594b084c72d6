// Running a command from the palette while the window may still move the focus: a job submitted a moment ago
// shows its output channel, which takes the focus and closes a palette opened just before. The harness's own
// runCommand then waits for a closed input for its whole timeout; this tries again instead, each step bounded.
const STEP_TIMEOUT = 5_000;

/** Runs the command named `title` from the command palette, opened from the active editor; tries up to `tries` times. */
export async function runCommandSteadily(page, title, tries = 3) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const exactTitle = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: exactTitle }) }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ timeout: STEP_TIMEOUT });
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      await input.fill(`>${title}`, { timeout: STEP_TIMEOUT });
      await row.click({ timeout: 2 * STEP_TIMEOUT });
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
      return;
    } catch (error) {
      if (attempt >= tries) throw new Error(`the command palette could not run "${title}" in ${tries} tries: ${error.message}`);
    }
  }
}
