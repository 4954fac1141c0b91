import { describe, expect, it } from "vitest";
import {
  isLastUseDue,
  keyRoleFor,
  keyState,
  LAST_USED_INTERVAL_MS,
  lastAdminKey,
  lastUsedCutoff,
  MAX_ACTIVE_KEYS,
  MAX_ROLL_GRACE_HOURS,
  MIN_ROLL_GRACE_HOURS,
  notWorking,
  rollChange,
  toApiKey,
  tooManyKeys,
} from "../../src/domain/api-keys.ts";
import { DomainError } from "../../src/domain/errors.ts";

const NOW = "2030-06-01T12:00:00.000Z";
const NOW_MS = Date.parse(NOW);
const HOUR_MS = 3_600_000;

function thrown(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error("expected a DomainError");
}

describe("limits", () => {
  it("are 50 active keys a company, a roll grace of 0–168 hours and one last-use write a minute", () => {
    expect(MAX_ACTIVE_KEYS).toBe(50);
    expect([MIN_ROLL_GRACE_HOURS, MAX_ROLL_GRACE_HOURS]).toEqual([0, 168]);
    expect(LAST_USED_INTERVAL_MS).toBe(60_000);
  });
});

describe("keyRoleFor", () => {
  it("defaults to the user's own role", () => {
    expect(keyRoleFor("admin")).toBe("admin");
    expect(keyRoleFor("member")).toBe("member");
    expect(keyRoleFor("read_only")).toBe("read_only");
  });

  it("allows the user's role and every lower one", () => {
    expect(keyRoleFor("admin", "admin")).toBe("admin");
    expect(keyRoleFor("admin", "member")).toBe("member");
    expect(keyRoleFor("admin", "read_only")).toBe("read_only");
    expect(keyRoleFor("member", "read_only")).toBe("read_only");
  });

  it.each([
    ["member", "admin"],
    ["read_only", "member"],
    ["read_only", "admin"],
  ] as const)("refuses a %s's key with role %s as invalid input naming role", (userRole, requested) => {
    const error = thrown(() => keyRoleFor(userRole, requested));
    expect(error.code).toBe("invalid_input");
    expect(error.field).toBe("role");
    expect(error.message).toBe(`The 'role' field must not be higher than the user's own role (${userRole}).`);
  });
});

describe("keyState", () => {
  it("is working without revocation or expiry, and before the expiry", () => {
    expect(keyState({ revokedAt: null, expiresAt: null }, NOW)).toBe("working");
    expect(keyState({ revokedAt: null, expiresAt: "2030-06-01T12:00:00.001Z" }, NOW)).toBe("working");
  });

  it("is expired from the moment of expiry on", () => {
    expect(keyState({ revokedAt: null, expiresAt: NOW }, NOW)).toBe("expired");
    expect(keyState({ revokedAt: null, expiresAt: "2030-01-01T00:00:00.000Z" }, NOW)).toBe("expired");
  });

  it("is revoked once revoked, expired or not", () => {
    expect(keyState({ revokedAt: "2030-05-01T00:00:00.000Z", expiresAt: null }, NOW)).toBe("revoked");
    expect(keyState({ revokedAt: "2030-05-01T00:00:00.000Z", expiresAt: "2030-01-01T00:00:00.000Z" }, NOW)).toBe("revoked");
  });
});

describe("rollChange", () => {
  it("revokes the old key at once without a grace period, needing no free place", () => {
    expect(rollChange({ expires_at: null }, 0, NOW)).toEqual({ field: "revoked_at", to: NOW, keepsOldKeyActive: false });
    expect(rollChange({ expires_at: "2031-01-01T00:00:00.000Z" }, 0, NOW)).toEqual({
      field: "revoked_at",
      to: NOW,
      keepsOldKeyActive: false,
    });
  });

  it("lets the old key expire when the grace period ends, keeping it active meanwhile", () => {
    expect(rollChange({ expires_at: null }, 24, NOW)).toEqual({
      field: "expires_at",
      to: new Date(NOW_MS + 24 * HOUR_MS).toISOString(),
      keepsOldKeyActive: true,
    });
    expect(rollChange({ expires_at: "2031-01-01T00:00:00.000Z" }, MAX_ROLL_GRACE_HOURS, NOW).to).toBe(
      new Date(NOW_MS + 168 * HOUR_MS).toISOString(),
    );
  });

  it("never moves an expiry later than it was", () => {
    const soon = new Date(NOW_MS + HOUR_MS).toISOString();
    expect(rollChange({ expires_at: soon }, 24, NOW)).toEqual({ field: "expires_at", to: soon, keepsOldKeyActive: true });
  });
});

describe("last use", () => {
  it("is due for a key never used, or last used a minute ago or more", () => {
    expect(isLastUseDue(null, NOW_MS)).toBe(true);
    expect(isLastUseDue(new Date(NOW_MS - 60_000).toISOString(), NOW_MS)).toBe(true);
    expect(isLastUseDue("2030-01-01T00:00:00.000Z", NOW_MS)).toBe(true);
  });

  it("is not due within the minute", () => {
    expect(isLastUseDue(new Date(NOW_MS - 59_999).toISOString(), NOW_MS)).toBe(false);
    expect(isLastUseDue(NOW, NOW_MS)).toBe(false);
  });

  it("writes values at or before the cutoff a minute back", () => {
    expect(lastUsedCutoff(NOW_MS)).toBe("2030-06-01T11:59:00.000Z");
  });
});

describe("the key object", () => {
  it("shows the public fields of a row and never its hash", () => {
    const row = {
      id: "key_1",
      companyId: "co_1",
      userId: "user_1",
      name: "Scanner",
      role: "member" as const,
      keyHash: "f".repeat(64),
      last4: "x9Qa",
      createdAt: NOW,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      rateLimitId: null,
    };
    expect(toApiKey(row)).toEqual({
      id: "key_1",
      name: "Scanner",
      role: "member",
      user_id: "user_1",
      last4: "x9Qa",
      created_at: NOW,
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
    });
  });
});

describe("errors", () => {
  it("are invalid_state, saying what to do", () => {
    expect(tooManyKeys()).toMatchObject({ code: "invalid_state", field: null });
    expect(tooManyKeys().message).toContain(`${MAX_ACTIVE_KEYS} active API keys`);
    expect(lastAdminKey()).toMatchObject({ code: "invalid_state", field: null });
    expect(lastAdminKey().message).toContain("last working admin key");
    expect(notWorking("expired").message).toBe("This API key is expired: only a working key can be rolled.");
    expect(notWorking("revoked")).toMatchObject({ code: "invalid_state" });
  });
});
