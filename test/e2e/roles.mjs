// The editor as a data scientist sees it (the dev run connects with a data-scientist token, MLW_E2E_ROLE says so):
// an environment spec offers Create (CodeLens and editor title), a compute spec does not (only Validate), because
// data scientists may register environments but not compute.
const TIMEOUT = 60_000;

export async function dataScientistOffers({ page, vs, log }) {
  const create = await offered(page, vs, 'environments/trainer-env.yml');
  if (!create.codeLens || !create.title) throw new Error(`an environment spec offers no Create to a data scientist (CodeLens ${create.codeLens}, title ${create.title})`);
  const compute = await offered(page, vs, 'compute/local.yml');
  if (compute.codeLens || compute.title) throw new Error(`a compute spec offers Create to a data scientist (CodeLens ${compute.codeLens}, title ${compute.title})`);
  await vs.screenshot('data-scientist-compute');
  log('a data scientist is offered Create on an environment spec and not on a compute spec');
}

/** Whether the spec's editor offers Create, once its Validate CodeLens and title action are drawn. */
async function offered(page, vs, file) {
  await vs.openFile(file);
  const group = page.locator('.editor-group-container.active');
  const lenses = group.locator('.contentWidgets .codelens-decoration');
  await lenses.locator('a', { hasText: 'Validate' }).first().waitFor({ timeout: TIMEOUT });
  await group.locator('.editor-actions .action-label[aria-label^="Validate Spec"]').first().waitFor({ timeout: TIMEOUT });
  return {
    codeLens: (await lenses.locator('a', { hasText: 'Create' }).count()) > 0,
    title: (await group.locator('.editor-actions .action-label[aria-label^="Create Asset from Spec"]').count()) > 0,
  };
}
