// The editor as a data scientist sees it (the dev run connects with a data-scientist token, MLW_E2E_ROLE says so):
// an environment spec offers Create (CodeLens and editor title), a compute spec does not (only Validate), because
// data scientists may register environments but not compute.
const STEP_TIMEOUT = 15_000;
const TRIES = 4;

export async function dataScientistOffers({ page, vs, log }) {
  const create = await offered(page, vs, 'environments/trainer-env.yml', log);
  if (!create.codeLens || !create.title) throw new Error(`an environment spec offers no Create to a data scientist (CodeLens ${create.codeLens}, title ${create.title})`);
  const compute = await offered(page, vs, 'compute/local.yml', log);
  if (compute.codeLens || compute.title) throw new Error(`a compute spec offers Create to a data scientist (CodeLens ${compute.codeLens}, title ${compute.title})`);
  await vs.screenshot('data-scientist-compute');
  log('a data scientist is offered Create on an environment spec and not on a compute spec');
}

/**
 * Whether the spec's editor offers Create, once its Validate CodeLens and title action are drawn. The metrics webview
 * opened just before shares the editor group and may take the group back while the file opens; each wait is bounded,
 * and a miss is logged with what the window showed, then the file is opened again.
 */
async function offered(page, vs, file, log) {
  const group = page.locator('.editor-group-container.active');
  const lenses = group.locator('.contentWidgets .codelens-decoration');
  for (let attempt = 1; ; attempt++) {
    try {
      await vs.openFile(file);
      await lenses.locator('a', { hasText: 'Validate' }).first().waitFor({ timeout: STEP_TIMEOUT });
      await group.locator('.editor-actions .action-label[aria-label^="Validate Spec"]').first().waitFor({ timeout: STEP_TIMEOUT });
      break;
    } catch (error) {
      const seen = await windowState(page);
      if (attempt >= TRIES) throw new Error(`${file} shows no Validate CodeLens and title action after ${TRIES} openings: ${error.message}\n${seen}`);
      log(`${file}: no Validate CodeLens and title action yet (${error.message.split('\n')[0]}); ${seen}; opening it again`);
    }
  }
  return {
    codeLens: (await lenses.locator('a', { hasText: 'Create' }).count()) > 0,
    title: (await group.locator('.editor-actions .action-label[aria-label^="Create Asset from Spec"]').count()) > 0,
  };
}

/** The editor groups' tabs (the active one marked), the CodeLens texts and the focused element, for a failure's message. */
async function windowState(page) {
  return page.evaluate(() => {
    const groups = [...document.querySelectorAll('.editor-group-container')].map((g) => {
      const tabs = [...g.querySelectorAll('.tabs-container > .tab')].map((t) => `${t.classList.contains('active') ? '*' : ''}${t.getAttribute('aria-label') ?? t.textContent}`);
      const lenses = [...g.querySelectorAll('.codelens-decoration a')].map((a) => a.textContent?.trim());
      return `${g.classList.contains('active') ? 'active ' : ''}group [${tabs.join(', ')}] lenses [${lenses.join(', ')}]`;
    });
    const focused = document.activeElement;
    return `${groups.join('; ')}; focus on ${focused?.tagName.toLowerCase()}.${[...(focused?.classList ?? [])].join('.')}`;
  });
}
