using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NodaTime;

#nullable disable

namespace Teski.Infrastructure.V2.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PreviousStackBaseline : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "user",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    timezone = table.Column<string>(type: "character varying", nullable: false),
                    display_name = table.Column<string>(type: "character varying", nullable: true),
                    email = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    streak_days = table.Column<int>(type: "integer", nullable: false),
                    last_streak_at = table.Column<Instant>(type: "timestamp with time zone", nullable: true),
                    persona = table.Column<string>(type: "character varying", nullable: true),
                    is_pro = table.Column<bool>(type: "boolean", nullable: false),
                    pro_until = table.Column<Instant>(type: "timestamp with time zone", nullable: true),
                    institution_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: true),
                    analytics_consent = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    is_institution_admin = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "abtestassignment",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    experiment = table.Column<string>(type: "character varying", nullable: false),
                    bucket = table.Column<string>(type: "character varying", nullable: false),
                    assigned_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_abtestassignment", x => x.id);
                    table.ForeignKey(
                        name: "FK_abtestassignment_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "analyticsevent",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    kind = table.Column<string>(type: "character varying", nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    ts = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analyticsevent", x => x.id);
                    table.ForeignKey(
                        name: "FK_analyticsevent_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "badge",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying", nullable: false),
                    acquired_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_badge", x => x.id);
                    table.ForeignKey(
                        name: "FK_badge_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "legacy_user_map",
                columns: table => new
                {
                    legacy_user_id = table.Column<int>(type: "integer", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_user_map", x => x.legacy_user_id);
                    table.ForeignKey(
                        name: "FK_legacy_user_map_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "personastate",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    persona = table.Column<string>(type: "character varying", nullable: false),
                    warmup_ts = table.Column<Instant>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_personastate", x => x.id);
                    table.ForeignKey(
                        name: "FK_personastate_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "task",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "character varying", nullable: false),
                    course = table.Column<string>(type: "character varying", nullable: true),
                    due_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task", x => x.id);
                    table.ForeignKey(
                        name: "FK_task_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "xpevent",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<int>(type: "integer", nullable: false),
                    reason = table.Column<string>(type: "character varying", nullable: false),
                    ts = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_xpevent", x => x.id);
                    table.ForeignKey(
                        name: "FK_xpevent_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "legacy_task_map",
                columns: table => new
                {
                    legacy_task_id = table.Column<string>(type: "character varying", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_task_map", x => x.legacy_task_id);
                    table.ForeignKey(
                        name: "FK_legacy_task_map_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "memoryitem",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: true),
                    concept = table.Column<string>(type: "character varying", nullable: false),
                    ease = table.Column<double>(type: "double precision", nullable: false),
                    interval = table.Column<int>(type: "integer", nullable: false),
                    due_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    stability = table.Column<double>(type: "double precision", nullable: false),
                    difficulty = table.Column<double>(type: "double precision", nullable: false),
                    lapses = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_memoryitem", x => x.id);
                    table.ForeignKey(
                        name: "FK_memoryitem_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_memoryitem_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "mistake",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: true),
                    concept = table.Column<string>(type: "character varying", nullable: false),
                    subtype = table.Column<string>(type: "character varying", nullable: false),
                    raw = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mistake", x => x.id);
                    table.ForeignKey(
                        name: "FK_mistake_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_mistake_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "reviewlog",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    memory_id = table.Column<Guid>(type: "uuid", nullable: false),
                    grade = table.Column<int>(type: "integer", nullable: false),
                    scheduled_for = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    reviewed_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    next_due_at = table.Column<Instant>(type: "timestamp with time zone", nullable: false),
                    delta_seconds = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reviewlog", x => x.id);
                    table.ForeignKey(
                        name: "FK_reviewlog_memoryitem_memory_id",
                        column: x => x.memory_id,
                        principalTable: "memoryitem",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_reviewlog_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "abtestassignment");

            migrationBuilder.DropTable(
                name: "analyticsevent");

            migrationBuilder.DropTable(
                name: "badge");

            migrationBuilder.DropTable(
                name: "legacy_task_map");

            migrationBuilder.DropTable(
                name: "legacy_user_map");

            migrationBuilder.DropTable(
                name: "mistake");

            migrationBuilder.DropTable(
                name: "personastate");

            migrationBuilder.DropTable(
                name: "reviewlog");

            migrationBuilder.DropTable(
                name: "xpevent");

            migrationBuilder.DropTable(
                name: "memoryitem");

            migrationBuilder.DropTable(
                name: "task");

            migrationBuilder.DropTable(
                name: "user");
        }
    }
}
