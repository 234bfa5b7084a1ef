import { describe, expect, it } from 'vitest';
import { nextHopFor, type RouteLike } from '../../../src/engine/routes/effective-route.js';

const vnet = { virtualNetworkPrefixes: ['10.224.0.0/12'] };

const firewall: RouteLike = { name: 'to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' };

describe('nextHopFor', () => {
  it('sends public destinations through a 0.0.0.0/0 user route (it beats the Internet system route on a tie)', () => {
    expect(nextHopFor([firewall], '20.81.112.7', vnet)).toEqual({
      routeName: 'to-firewall',
      prefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.0.4',
      isUserDefined: true,
    });
  });

  it('keeps VNet traffic local: the VNet route is longer than 0.0.0.0/0', () => {
    expect(nextHopFor([firewall], '10.224.0.5', vnet)).toEqual({ prefix: '10.224.0.0/12', nextHopType: 'VnetLocal', isUserDefined: false });
  });

  it('without user routes, public goes to Internet', () => {
    expect(nextHopFor([], '52.1.2.3', vnet)).toEqual({ prefix: '0.0.0.0/0', nextHopType: 'Internet', isUserDefined: false });
  });

  it.each([
    ['a /24 beats a /16', '10.50.1.9', 'slash-24'],
    ['the /16 takes what the /24 misses', '10.50.2.9', 'slash-16'],
    ['a /32 host route beats everything', '10.50.1.7', 'host'],
    ['the default route takes the rest', '8.8.8.8', 'default'],
  ])('longest prefix: %s', (_title, destination, expected) => {
    const routes: RouteLike[] = [
      { name: 'default', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' },
      { name: 'slash-16', addressPrefix: '10.50.0.0/16', nextHopType: 'VirtualNetworkGateway' },
      { name: 'slash-24', addressPrefix: '10.50.1.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.5' },
      { name: 'host', addressPrefix: '10.50.1.7/32', nextHopType: 'None' },
    ];
    expect(nextHopFor(routes, destination, vnet).routeName).toBe(expected);
  });

  it('order of the route table does not matter', () => {
    const routes: RouteLike[] = [
      { name: 'narrow', addressPrefix: '20.81.0.0/16', nextHopType: 'Internet' },
      firewall,
    ];
    expect(nextHopFor(routes, '20.81.112.7', vnet).routeName).toBe('narrow');
    expect(nextHopFor([...routes].reverse(), '20.81.112.7', vnet).routeName).toBe('narrow');
  });

  it('a user route with the VNet prefix overrides the VnetLocal system route', () => {
    const routes: RouteLike[] = [{ name: 'inspect-vnet', addressPrefix: '10.224.0.0/12', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' }];
    expect(nextHopFor(routes, '10.224.0.5', vnet)).toMatchObject({ routeName: 'inspect-vnet', isUserDefined: true });
  });

  it('drops private destinations outside the VNet (reserved None routes)', () => {
    expect(nextHopFor([], '192.168.1.1', vnet)).toEqual({ prefix: '192.168.0.0/16', nextHopType: 'None', isUserDefined: false });
    expect(nextHopFor([], '100.64.0.1', vnet)).toMatchObject({ prefix: '100.64.0.0/10', nextHopType: 'None' });
    expect(nextHopFor([], '10.0.0.1', vnet)).toMatchObject({ prefix: '10.0.0.0/8', nextHopType: 'None' });
  });

  it('a VNet that spans a reserved range replaces its None route', () => {
    expect(nextHopFor([], '10.1.2.3', { virtualNetworkPrefixes: ['10.0.0.0/8'] })).toEqual({ prefix: '10.0.0.0/8', nextHopType: 'VnetLocal', isUserDefined: false });
  });

  it('CIDR boundary: 10.224.0.0/12 ends at 10.239.255.255', () => {
    expect(nextHopFor([], '10.239.255.255', vnet).nextHopType).toBe('VnetLocal');
    expect(nextHopFor([], '10.240.0.0', vnet).nextHopType).toBe('None');
  });

  it('skips service-tag and IPv6 routes instead of guessing their ranges', () => {
    const routes: RouteLike[] = [
      { name: 'storage', addressPrefix: 'Storage.EastUS', nextHopType: 'Internet' },
      { name: 'v6', addressPrefix: '::/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: 'fd00::4' },
      firewall,
    ];
    expect(nextHopFor(routes, '20.60.1.1', vnet).routeName).toBe('to-firewall');
  });

  it('refuses a malformed route prefix, naming the route', () => {
    expect(() => nextHopFor([{ name: 'typo', addressPrefix: '10.0.0.0/40', nextHopType: 'None' }], '8.8.8.8')).toThrow(/route "typo".*10\.0\.0\.0\/40/);
  });

  it('refuses a destination that is not an IPv4 address', () => {
    expect(() => nextHopFor([], 'aks-prod.hcp.eastus.azmk8s.io')).toThrow(/not a valid IPv4 address/);
  });
});
