import { OTHER_TENANT, TenantLabels } from './tenant-labels';

describe('TenantLabels', () => {
  it('names at most `limit` tenants, first come, and counts the rest as other', () => {
    const labels = new TenantLabels(2);
    expect(['a', 'b', 'c', 'a'].map((t) => labels.label(t))).toEqual(['a', 'b', OTHER_TENANT, 'a']);
  });

  it('names the largest tenants once told them, and admits newcomers while there is room', () => {
    const labels = new TenantLabels(2);
    labels.label('early');
    labels.setLargest(['big', 'bigger', 'small']);
    expect(labels.label('early')).toBe(OTHER_TENANT);
    expect(labels.label('big')).toBe('big');
    expect(labels.label('small')).toBe(OTHER_TENANT);
    labels.setLargest(['only']);
    expect(labels.label('new')).toBe('new');
    expect(labels.label('another')).toBe(OTHER_TENANT);
  });

  it('never names a tenant called "other", and names none with a limit of 0', () => {
    expect(new TenantLabels(5).label(OTHER_TENANT)).toBe(OTHER_TENANT);
    expect(new TenantLabels(0).label('a')).toBe(OTHER_TENANT);
  });
});
