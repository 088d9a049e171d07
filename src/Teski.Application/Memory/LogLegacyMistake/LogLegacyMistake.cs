using System.Text.Json;
using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Memory;

namespace Teski.Application.Memory.LogLegacyMistake;

/// <summary>
/// <c>POST /api/v1/memory/log</c> and <c>/log/v1</c>. <paramref name="V1"/> adds the subtype (given, or classified
/// from <c>detail.reason</c>) and schedules the template's review card.
/// </summary>
public sealed record LogLegacyMistakeCommand(
    UserRef User,
    long? InstanceId,
    string? TemplateCode,
    long? SkillId,
    string? ErrorType,
    string? ErrorSubtype,
    string DetailJson,
    bool V1) : IRequest<LogLegacyMistakeResult>, IWriteCommand;

public sealed record LogLegacyMistakeResult(long Id);

public sealed class LogLegacyMistakeValidator : AbstractValidator<LogLegacyMistakeCommand>
{
    public LogLegacyMistakeValidator()
    {
        RuleFor(x => x.ErrorType!).Must(t => LegacyMistakeClassifier.ErrorTypes.Contains(t))
            .When(x => x.ErrorType is not null).OverridePropertyName("error_type")
            .WithMessage("error_type must be one of " + string.Join(", ", LegacyMistakeClassifier.ErrorTypes));
        RuleFor(x => x.ErrorSubtype!).Must(t => LegacyMistakeClassifier.ErrorSubtypes.Contains(t))
            .When(x => x.ErrorSubtype is not null).OverridePropertyName("error_subtype")
            .WithMessage("error_subtype must be one of " + string.Join(", ", LegacyMistakeClassifier.ErrorSubtypes));
        RuleFor(x => x.TemplateCode).MaximumLength(255).OverridePropertyName("template_code");
        RuleFor(x => x.SkillId).GreaterThan(0).When(x => x.SkillId is not null).OverridePropertyName("skill_id");
        RuleFor(x => x.InstanceId).GreaterThan(0).When(x => x.InstanceId is not null).OverridePropertyName("instance_id");
    }
}

public sealed class LogLegacyMistakeHandler(IStoreRouter stores, WriteScope scope, IClock clock, V2RuleSettings rules)
    : IRequestHandler<LogLegacyMistakeCommand, LogLegacyMistakeResult>
{
    public async ValueTask<LogLegacyMistakeResult> Handle(LogLegacyMistakeCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be resolved");
        var errorType = request.ErrorType ?? LegacyMistakeClassifier.DefaultErrorType;
        string? errorSubtype = null;
        if (request.V1)
        {
            errorSubtype = request.ErrorSubtype ?? LegacyMistakeClassifier.Classify(Reason(request.DetailJson));
        }
        // migration-rules.md, "Mistake": the concept a legacy mistake becomes in v2.
        var concept = !string.IsNullOrWhiteSpace(request.TemplateCode) ? request.TemplateCode!
            : request.SkillId is { } skill ? $"skill:{skill}" : "unknown";
        var entry = new MistakeEntry(
            request.V1 ? MistakeOrigin.LegacyV1 : MistakeOrigin.Legacy,
            concept,
            string.IsNullOrWhiteSpace(request.TemplateCode) ? null : request.TemplateCode,
            request.SkillId,
            request.InstanceId,
            errorType,
            errorSubtype,
            MistakeSubtype.FromLegacy(errorSubtype, errorType),
            request.DetailJson,
            null);
        var logged = await store.Memory.LogMistakeAsync(user, entry, now, rules, cancellationToken);
        scope.Record(new MistakeFact(user, now, entry with { LegacyMistakeId = logged.LegacyId, V2MistakeId = logged.MistakeId }));
        return new LogLegacyMistakeResult(logged.LegacyId ?? LegacyIdFor(logged.MistakeId));
    }

    private static string? Reason(string detailJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(detailJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// With v2 primary there is no legacy row id at acknowledgement time: the legacy shape's <c>id</c> is then a
    /// stable positive 53-bit number derived from the v2 mistake id (safe in JavaScript clients). See docs/api.md.
    /// </summary>
    private static long LegacyIdFor(Guid? mistakeId)
    {
        if (mistakeId is not { } id)
        {
            return 0;
        }
        Span<byte> b = stackalloc byte[16];
        id.TryWriteBytes(b);
        return (long)(BitConverter.ToUInt64(b) & ((1UL << 53) - 1));
    }
}
